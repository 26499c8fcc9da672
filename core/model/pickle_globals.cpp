#include "model/pickle_globals.h"

#include <ATen/ATen.h>

#include <optional>

#include "errors.h"

namespace ddim::pickle {
namespace {

using Kind = Value::Kind;

struct StorageType {
  const char* name;
  c10::ScalarType dtype;
};

constexpr StorageType kStorageTypes[] = {
    {"DoubleStorage", c10::kDouble},     {"FloatStorage", c10::kFloat}, {"HalfStorage", c10::kHalf},
    {"BFloat16Storage", c10::kBFloat16}, {"LongStorage", c10::kLong},   {"IntStorage", c10::kInt},
    {"ShortStorage", c10::kShort},       {"CharStorage", c10::kChar},   {"ByteStorage", c10::kByte},
    {"BoolStorage", c10::kBool},
};

// The only callables a state dict (and the official training list with its Adam state) needs.
enum class Callable { kOrderedDict, kRebuildTensor, kRebuildTensorV2, kRebuildParameter };

struct CallableInfo {
  const char* name;
  Callable callable;
  size_t minArgs;
  size_t maxArgs;
};

constexpr CallableInfo kCallables[] = {
    {"collections.OrderedDict", Callable::kOrderedDict, 0, 1},
    // (storage, offset, size, stride)
    {"torch._utils._rebuild_tensor", Callable::kRebuildTensor, 4, 4},
    // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
    {"torch._utils._rebuild_tensor_v2", Callable::kRebuildTensorV2, 6, 7},
    // (data, requires_grad, backward_hooks)
    {"torch._utils._rebuild_parameter", Callable::kRebuildParameter, 3, 3},
    // (data, requires_grad, backward_hooks, state)
    {"torch._utils._rebuild_parameter_with_state", Callable::kRebuildParameter, 4, 4},
};

const CallableInfo* callableFor(const std::string& qualifiedName) {
  for (const auto& c : kCallables) {
    if (qualifiedName == c.name) return &c;
  }
  return nullptr;
}

const Value& expect(const Value* v, Kind kind, const char* what) {
  if (v->kind != kind) {
    throw Error(std::string(what) + " must be a " + kindName(kind) + ", found " +
                kindName(v->kind));
  }
  return *v;
}

int64_t expectInt(const Value* v, const char* what) {
  if (v->kind != Kind::kInt && v->kind != Kind::kBool) {
    throw Error(std::string(what) + " must be an int, found " + kindName(v->kind));
  }
  return v->integer;
}

std::vector<int64_t> intTuple(const Value* v, const char* what) {
  if (v->kind != Kind::kTuple && v->kind != Kind::kList) {
    throw Error(std::string(what) + " must be a tuple, found " + kindName(v->kind));
  }
  std::vector<int64_t> out;
  for (const Value* item : v->items) {
    const int64_t i = expectInt(item, what);
    if (i < 0) throw Error(std::string(what) + " has a negative entry " + std::to_string(i));
    out.push_back(i);
  }
  return out;
}

Value orderedDict(const std::vector<Value*>& args) {
  Value dict;
  dict.kind = Kind::kDict;
  if (args.empty()) return dict;
  if (args[0]->kind != Kind::kList && args[0]->kind != Kind::kTuple) {
    throw Error("OrderedDict argument must be a list of pairs");
  }
  for (Value* pair : args[0]->items) {
    if ((pair->kind != Kind::kTuple && pair->kind != Kind::kList) || pair->items.size() != 2) {
      throw Error("OrderedDict argument must be a list of pairs");
    }
    dict.entries.emplace_back(pair->items[0], pair->items[1]);
  }
  return dict;
}

Value rebuildTensor(const std::vector<Value*>& args) {
  const Value& storage = expect(args[0], Kind::kStorage, "tensor storage");
  const int64_t offset = expectInt(args[1], "tensor storage offset");
  const std::vector<int64_t> size = intTuple(args[2], "tensor size");
  const std::vector<int64_t> stride = intTuple(args[3], "tensor stride");
  if (size.size() != stride.size()) throw Error("tensor size and stride differ in length");
  // The last element addressed must lie inside the storage.
  const int64_t available = storage.tensor.numel();
  bool empty = false;
  int64_t last = offset;
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] == 0) empty = true;
    int64_t span = 0;
    if (size[i] > 0 && (__builtin_mul_overflow(size[i] - 1, stride[i], &span) ||
                        __builtin_add_overflow(last, span, &last))) {
      throw Error("tensor size/stride overflow");
    }
  }
  if (offset < 0 || (empty ? offset > available : last >= available)) {
    throw Error("tensor (offset " + std::to_string(offset) + ", size " +
                c10::str(c10::IntArrayRef(size)) + ", stride " +
                c10::str(c10::IntArrayRef(stride)) + ") reaches past its storage of " +
                std::to_string(available) + " elements");
  }
  Value t;
  t.kind = Kind::kTensor;
  t.tensor =
      at::empty({0}, storage.tensor.options()).set_(storage.tensor.storage(), offset, size, stride);
  return t;
}

}  // namespace

const Value* Value::get(const std::string& key) const {
  if (kind != Kind::kDict) return nullptr;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {  // the last assignment wins
    if (it->first->kind == Kind::kString && it->first->text == key) return it->second;
  }
  return nullptr;
}

std::string kindName(Value::Kind kind) {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kGlobal:
      return "global";
    case Kind::kTensor:
      return "tensor";
    case Kind::kStorage:
      return "storage";
  }
  return "?";
}

std::optional<c10::ScalarType> storageDtype(const std::string& qualifiedName) {
  for (const auto& s : kStorageTypes) {
    if (qualifiedName == std::string("torch.") + s.name) return s.dtype;
  }
  return std::nullopt;
}

std::string storageTypeName(c10::ScalarType dtype) {
  for (const auto& s : kStorageTypes) {
    if (s.dtype == dtype) return s.name;
  }
  throw Error(std::string("no torch storage type for dtype ") + c10::toString(dtype));
}

namespace detail {

bool isAllowedGlobal(const std::string& qualifiedName) {
  return callableFor(qualifiedName) != nullptr || storageDtype(qualifiedName).has_value();
}

Value callGlobal(const std::string& qualifiedName, const std::vector<Value*>& args) {
  const CallableInfo* c = callableFor(qualifiedName);
  if (c == nullptr) throw Error("'" + qualifiedName + "' is not callable");
  if (args.size() < c->minArgs || args.size() > c->maxArgs) {
    throw Error(qualifiedName + " takes " + std::to_string(c->minArgs) +
                (c->minArgs == c->maxArgs ? "" : "-" + std::to_string(c->maxArgs)) +
                " arguments, found " + std::to_string(args.size()));
  }
  switch (c->callable) {
    case Callable::kOrderedDict:
      return orderedDict(args);
    case Callable::kRebuildTensor:
    case Callable::kRebuildTensorV2:
      return rebuildTensor(args);
    case Callable::kRebuildParameter:
      return expect(args[0], Kind::kTensor, "parameter data");
  }
  throw Error("'" + qualifiedName + "' is not callable");
}

}  // namespace detail
}  // namespace ddim::pickle
