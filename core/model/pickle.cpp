#include "model/pickle.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "errors.h"
#include "model/pickle_globals.h"

namespace ddim::pickle {
namespace {

// Pickle opcodes (Lib/pickletools.py).
enum Op : uint8_t {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kSetItems = 'u',
  kBinFloat = 'G',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kEmptyDict = '}',
  kEmptyList = ']',
  kEmptyTuple = ')',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kNewObjEx = 0x92,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

}  // namespace

class Unpickler {
 public:
  Unpickler(std::string_view data, const std::string& source, const PersistentLoad& load)
      : data_(data), source_(source), load_(load) {}

  Unpickled run() {
    while (pos_ < data_.size()) {
      opPos_ = pos_;
      const uint8_t op = u8();
      if (op == kStop) {
        out_.root_ = pop();
        return std::move(out_);
      }
      step(op);
    }
    fail("data ends without a STOP opcode (truncated)");
  }

 private:
  using Kind = Value::Kind;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": " + what + " (pickle offset " + std::to_string(opPos_) + ")");
  }

  const char* take(uint64_t n) {
    if (n > data_.size() - pos_) fail("data is truncated");
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint64_t unsignedLE(int bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(take(bytes));
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  uint8_t u8() { return static_cast<uint8_t>(unsignedLE(1)); }
  int64_t signedLE(int bytes) {  // two's complement, 0..8 bytes
    if (bytes == 0) return 0;
    if (bytes > 8) fail("integer of " + std::to_string(bytes) + " bytes is too large");
    uint64_t v = unsignedLE(bytes);
    if (bytes < 8 && (v >> (8 * bytes - 1)) != 0) v |= ~0ULL << (8 * bytes);
    return static_cast<int64_t>(v);
  }
  std::string line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) fail("data is truncated inside GLOBAL");
    std::string s(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  Value* make(Kind kind) {
    Value& v = out_.values_.emplace_back();
    v.kind = kind;
    return &v;
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value* v) { stack_.push_back(v); }
  Value* top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  Value* pop() {
    Value* v = top();
    stack_.pop_back();
    return v;
  }
  std::vector<Value*> popToMark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  Value* expect(Value* v, Kind kind, const char* what) {
    if (v->kind != kind)
      fail(std::string(what) + " must be a " + kindName(kind) + ", found " + kindName(v->kind));
    return v;
  }
  Value* pushNew(Kind kind) {
    Value* v = make(kind);
    push(v);
    return v;
  }
  void pushInt(int64_t i) { pushNew(Kind::kInt)->integer = i; }
  void pushString(Kind kind, uint64_t n) {
    const char* p = take(n);
    Value* v = make(kind);
    v->text.assign(p, n);
    push(v);
  }
  void pushTuple(std::vector<Value*> items) {
    Value* t = make(Kind::kTuple);
    t->items = std::move(items);
    push(t);
  }
  void memoPut(uint64_t index) { memo_[index] = top(); }
  void memoGet(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo index " + std::to_string(index) + " is not defined");
    push(it->second);
  }

  void global(const std::string& module, const std::string& name) {
    const std::string qualified = module + "." + name;
    if (!detail::isAllowedGlobal(qualified)) {
      fail("refusing global '" + qualified +
           "': only the globals a state dict needs are allowed (the file may try to run code)");
    }
    Value* g = make(Kind::kGlobal);
    g->text = qualified;
    push(g);
  }

  void setItems(Value* dict, const std::vector<Value*>& kv) {
    expect(dict, Kind::kDict, "SETITEM(S) target");
    if (kv.size() % 2 != 0) fail("SETITEMS needs key/value pairs, found an odd count");
    for (size_t i = 0; i < kv.size(); i += 2) dict->entries.emplace_back(kv[i], kv[i + 1]);
  }

  void call(Value* callable, const std::vector<Value*>& args) {
    expect(callable, Kind::kGlobal, "REDUCE callable");
    Value* result = make(Kind::kNone);
    try {
      *result = detail::callGlobal(callable->text, args);
    } catch (const Error& e) {
      fail(e.what());
    }
    push(result);
  }

  void step(uint8_t op) {
    switch (op) {
      case kProto: {
        const uint8_t version = u8();
        if (version > 5) fail("unsupported pickle protocol " + std::to_string(version));
        return;
      }
      case kFrame:
        take(8);
        return;
      case kMark:
        marks_.push_back(stack_.size());
        return;
      case kPop:
        pop();
        return;
      case kPopMark:
        popToMark();
        return;
      case kDup:
        push(top());
        return;
      case kNone:
        push(make(Kind::kNone));
        return;
      case kNewTrue:
      case kNewFalse:
        pushNew(Kind::kBool)->integer = op == kNewTrue;
        return;
      case kBinInt:
        pushInt(signedLE(4));
        return;
      case kBinInt1:
        pushInt(static_cast<int64_t>(unsignedLE(1)));
        return;
      case kBinInt2:
        pushInt(static_cast<int64_t>(unsignedLE(2)));
        return;
      case kLong1:
        pushInt(signedLE(u8()));
        return;
      case kLong4: {
        const int64_t n = signedLE(4);
        if (n < 0) fail("negative LONG4 length");
        pushInt(signedLE(static_cast<int>(std::min<int64_t>(n, 9))));
        return;
      }
      case kBinFloat: {
        const auto* p = reinterpret_cast<const unsigned char*>(take(8));
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        Value* v = make(Kind::kFloat);
        std::memcpy(&v->real, &bits, sizeof bits);
        push(v);
        return;
      }
      case kShortBinUnicode:
        pushString(Kind::kString, u8());
        return;
      case kBinUnicode:
        pushString(Kind::kString, unsignedLE(4));
        return;
      case kBinUnicode8:
        pushString(Kind::kString, unsignedLE(8));
        return;
      case kShortBinString:
        pushString(Kind::kString, u8());
        return;
      case kBinString: {
        const int64_t n = signedLE(4);
        if (n < 0) fail("negative BINSTRING length");
        pushString(Kind::kString, static_cast<uint64_t>(n));
        return;
      }
      case kShortBinBytes:
        pushString(Kind::kBytes, u8());
        return;
      case kBinBytes:
        pushString(Kind::kBytes, unsignedLE(4));
        return;
      case kBinBytes8:
        pushString(Kind::kBytes, unsignedLE(8));
        return;
      case kEmptyTuple:
        pushTuple({});
        return;
      case kTuple1: {
        Value* a = pop();
        pushTuple({a});
        return;
      }
      case kTuple2: {
        Value* b = pop();
        Value* a = pop();
        pushTuple({a, b});
        return;
      }
      case kTuple3: {
        Value* c = pop();
        Value* b = pop();
        Value* a = pop();
        pushTuple({a, b, c});
        return;
      }
      case kTuple:
        pushTuple(popToMark());
        return;
      case kEmptyList:
        push(make(Kind::kList));
        return;
      case kList: {
        Value* l = make(Kind::kList);
        l->items = popToMark();
        push(l);
        return;
      }
      case kEmptyDict:
        push(make(Kind::kDict));
        return;
      case kDict: {
        Value* d = make(Kind::kDict);
        setItems(d, popToMark());
        push(d);
        return;
      }
      case kAppend: {
        Value* v = pop();
        expect(top(), Kind::kList, "APPEND target")->items.push_back(v);
        return;
      }
      case kAppends: {
        std::vector<Value*> vs = popToMark();
        Value* list = expect(top(), Kind::kList, "APPENDS target");
        list->items.insert(list->items.end(), vs.begin(), vs.end());
        return;
      }
      case kSetItem: {
        Value* v = pop();
        Value* k = pop();
        setItems(top(), {k, v});
        return;
      }
      case kSetItems: {
        std::vector<Value*> kv = popToMark();
        setItems(top(), kv);
        return;
      }
      case kBinPut:
        memoPut(u8());
        return;
      case kLongBinPut:
        memoPut(unsignedLE(4));
        return;
      case kMemoize:
        memoPut(memo_.size());
        return;
      case kBinGet:
        memoGet(u8());
        return;
      case kLongBinGet:
        memoGet(unsignedLE(4));
        return;
      case kGlobal: {
        std::string module = line();
        global(module, line());
        return;
      }
      case kStackGlobal: {
        const std::string name = expect(pop(), Kind::kString, "STACK_GLOBAL name")->text;
        global(expect(pop(), Kind::kString, "STACK_GLOBAL module")->text, name);
        return;
      }
      case kReduce: {
        Value* args = expect(pop(), Kind::kTuple, "REDUCE arguments");
        call(pop(), args->items);
        return;
      }
      case kNewObj: {
        Value* args = expect(pop(), Kind::kTuple, "NEWOBJ arguments");
        call(pop(), args->items);
        return;
      }
      case kNewObjEx: {
        Value* kwargs = expect(pop(), Kind::kDict, "NEWOBJ_EX keyword arguments");
        Value* args = expect(pop(), Kind::kTuple, "NEWOBJ_EX arguments");
        if (!kwargs->entries.empty()) fail("keyword arguments are not supported");
        call(pop(), args->items);
        return;
      }
      case kBuild: {
        pop();  // the state: OrderedDict attributes (_metadata) or tensor/parameter state
        const Value* obj = top();
        if (obj->kind != Kind::kDict && obj->kind != Kind::kTensor) {
          fail("BUILD on a " + kindName(obj->kind) + " is not supported");
        }
        return;
      }
      case kBinPersId: {
        Value* pid = pop();
        if (!load_) fail("persistent ids are not supported here");
        Value* v = make(Kind::kNone);
        *v = load_(*pid);
        push(v);
        return;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  std::string_view data_;
  const std::string& source_;
  const PersistentLoad& load_;
  size_t pos_ = 0;
  size_t opPos_ = 0;
  Unpickled out_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
};

Unpickled unpickle(std::string_view data, const std::string& source,
                   const PersistentLoad& persistentLoad) {
  return Unpickler(data, source, persistentLoad).run();
}

}  // namespace ddim::pickle
