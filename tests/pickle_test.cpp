#include "model/pickle.h"

#include <gtest/gtest.h>

#include <random>

#include "errors.h"
#include "weights_test_util.h"

namespace ddim {
namespace {

using pickle::Value;
using Kind = Value::Kind;

pickle::Unpickled unpickleBytes(const std::string& bytes, const pickle::PersistentLoad& load = {}) {
  return pickle::unpickle(bytes, "test.pkl", load);
}

std::string errorOf(const std::string& bytes, const pickle::PersistentLoad& load = {}) {
  try {
    (void)unpickleBytes(bytes, load);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

// A string literal with its embedded NULs.
template <size_t N>
std::string lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

const Value& at(const Value& dict, const std::string& key) {
  const Value* v = dict.get(key);
  if (v == nullptr) throw std::runtime_error("missing key " + key);
  return *v;
}

void expectPythonValues(int protocol) {
  SCOPED_TRACE("protocol " + std::to_string(protocol));
  const std::string file = "values_p" + std::to_string(protocol) + ".pkl";
  const auto doc = unpickleBytes(testing::readBytes(testing::weightsFixture(file)));
  const Value& root = doc.root();
  ASSERT_EQ(root.kind, Kind::kDict);
  EXPECT_EQ(at(root, "small").integer, 5);
  EXPECT_EQ(at(root, "neg").integer, -3);
  EXPECT_EQ(at(root, "u16").integer, 40000);
  EXPECT_EQ(at(root, "i32min").integer, -(int64_t{1} << 31));
  EXPECT_EQ(at(root, "big").integer, int64_t{1} << 40);
  EXPECT_EQ(at(root, "huge_neg").integer, -(int64_t{1} << 62));
  EXPECT_EQ(at(root, "float").kind, Kind::kFloat);
  EXPECT_EQ(at(root, "float").real, 0.1);
  EXPECT_EQ(at(root, "str").text, "h\xc3\xa9llo");
  const Value& tuple = at(root, "tuple");
  ASSERT_EQ(tuple.kind, Kind::kTuple);
  ASSERT_EQ(tuple.items.size(), 3u);
  EXPECT_EQ(tuple.items[0]->integer, 1);
  EXPECT_EQ(tuple.items[1]->real, 2.5);
  EXPECT_EQ(tuple.items[2]->text, "x");
  ASSERT_EQ(at(root, "tuple1").items.size(), 1u);
  EXPECT_EQ(at(root, "tuple1").items[0]->kind, Kind::kNone);
  const Value& list = at(root, "list");
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[1]->kind, Kind::kBool);
  EXPECT_EQ(list.items[1]->integer, 1);
  EXPECT_EQ(list.items[2]->integer, 0);
  const Value& nested = at(root, "nested");
  EXPECT_EQ(nested.get("a"), nested.get("b")) << "the memo must give back the same object";
  EXPECT_EQ(at(nested, "a").items.size(), 2u);
  EXPECT_EQ(at(at(root, "od"), "k").integer, 1);
  const Value& range = at(root, "range");
  ASSERT_EQ(range.items.size(), 1500u);
  for (int i = 0; i < 1500; ++i) ASSERT_EQ(range.items[static_cast<size_t>(i)]->integer, i);
  if (protocol >= 4) {
    EXPECT_EQ(at(root, "bytes").text, lit("\x00\x01"));
  }
}

TEST(PickleTest, ReadsValuesPickledByPython) {
  for (const int protocol : {2, 4, 5}) expectPythonValues(protocol);
}

TEST(PickleTest, RefusesForeignGlobalsPickledByPython) {
  const std::pair<const char*, const char*> cases[] = {
      {"evil_posix_system_p2.pkl", "posix.system"},
      {"evil_posix_system_p4.pkl", "posix.system"},
      {"evil_builtins_eval.pkl", "builtins.eval"},
      {"evil_subprocess_popen.pkl", "subprocess.Popen"},
      {"evil_load_from_bytes.pkl", "torch.storage._load_from_bytes"},
  };
  for (const auto& [file, global] : cases) {
    const std::string msg = errorOf(testing::readBytes(testing::weightsFixture(file)));
    EXPECT_NE(msg.find(std::string("'") + global + "'"), std::string::npos) << file << ": " << msg;
    EXPECT_NE(msg.find("test.pkl"), std::string::npos) << msg;
  }
}

TEST(PickleTest, RefusesHandWrittenGlobals) {
  const std::string msg =
      errorOf(lit("\x80\x02"
                  "cos\nsystem\n"
                  "X\x02\x00\x00\x00ls\x85R."));
  EXPECT_NE(msg.find("'os.system'"), std::string::npos) << msg;
  EXPECT_NE(errorOf("\x80\x02"
                    "cbuiltins\ngetattr\n.")
                .find("builtins.getattr"),
            std::string::npos);
  EXPECT_NE(errorOf("\x80\x02"
                    "ctorch\nload\n.")
                .find("torch.load"),
            std::string::npos);
  // An allow-listed storage type is a marker, not something to call.
  EXPECT_NE(errorOf("\x80\x02"
                    "ctorch\nFloatStorage\n)R.")
                .find("not callable"),
            std::string::npos);
}

TEST(PickleTest, MalformedInputThrows) {
  const std::pair<std::string, const char*> cases[] = {
      {"", "STOP"},
      {"\x80\x02", "STOP"},
      {"\x80\x02.", "underflow"},
      {"\x80\x02K", "truncated"},
      {"\x80\x02}K\x01s.", "underflow"},
      {"\x80\x02h\x05.", "memo index 5"},
      {lit("\x80\x02j\x00\x01\x00\x00."), "memo index 256"},
      {"\x80\x02K\x01t.", "MARK"},
      {"\x80\x02(K\x01\x30\x30.", "underflow"},  // POP below the mark
      {"\x80\x02K\x01K\x02"
       "a.",
       "APPEND target"},
      {"\x80\x02]K\x01K\x02s.", "SETITEM"},
      {"\x80\x02X\xff\xff\xff\x7f"
       "abc.",
       "truncated"},
      {"\x80\x02T\xff\xff\xff\xff.", "negative"},
      {"\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", "too large"},
      {"\x80\x06.", "protocol 6"},
      {"\x80\x02"
       "cos\nsys",
       "truncated"},
      {"\x80\x02I1\n.", "opcode 0x49"},  // protocol-0 INT is not supported
      {"\x80\x02K\x01Q.", "persistent"},
      {"\x80\x02K\x01)R.", "REDUCE callable"},
      {"\x80\x02"
       "ccollections\nOrderedDict\nK\x01\x85R.",
       "pairs"},
  };
  for (const auto& [bytes, mention] : cases) {
    const std::string msg = errorOf(bytes);
    EXPECT_NE(msg.find(mention), std::string::npos)
        << "input of " << bytes.size() << " bytes -> '" << msg << "'";
  }
}

TEST(PickleTest, EveryTruncationOfARealPickleThrows) {
  const std::string bytes = testing::readBytes(testing::weightsFixture("values_p4.pkl"));
  for (size_t cut = 0; cut < bytes.size(); cut += 3) {
    EXPECT_NE(errorOf(bytes.substr(0, cut)), "") << "cut at " << cut;
  }
}

TEST(PickleTest, RandomCorruptionNeverCrashes) {
  const std::string bytes = testing::readBytes(testing::weightsFixture("values_p2.pkl"));
  std::mt19937 rng(123);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string corrupt = bytes.substr(0, 400);
    for (int k = 0; k < 3; ++k) corrupt[rng() % corrupt.size()] = static_cast<char>(rng());
    corrupt += '.';
    (void)errorOf(corrupt);  // a ddim::Error or a value; anything else fails the test
  }
}

TEST(PickleTest, DeepNestingAndCyclesAreHarmless) {
  std::string deep = "\x80\x02";
  deep += std::string(100000, ']');
  deep += std::string(99999, 'a');
  deep += '.';
  const auto doc = unpickleBytes(deep);
  EXPECT_EQ(doc.root().items.size(), 1u);
  // l = []; l.append(l): a cycle through the memo.
  const auto cyclic =
      unpickleBytes(lit("\x80\x02]q\x00h\x00"
                        "a."));
  EXPECT_EQ(cyclic.root().items.at(0), &cyclic.root());
}

TEST(PickleTest, RebuildsTensorsThroughPersistentLoad) {
  const at::Tensor storage = at::arange(10, at::kFloat);
  int calls = 0;
  const pickle::PersistentLoad load = [&](const Value& pid) {
    ++calls;
    EXPECT_EQ(pid.kind, Kind::kString);
    Value v;
    v.kind = Kind::kStorage;
    v.tensor = storage;
    return v;
  };
  // _rebuild_tensor_v2(persid('s'), 2, (2, 3), (1, 2), False, OrderedDict()) -> x[2 + i + 2j]
  const std::string rebuild =
      lit("ctorch._utils\n_rebuild_tensor_v2\n(X\x01\x00\x00\x00sQK\x02K\x02K\x03\x86K\x01K\x02\x86"
          "\x89"
          "ccollections\nOrderedDict\n)RtR");
  const auto doc = unpickleBytes("\x80\x02" + rebuild + ".", load);
  ASSERT_EQ(doc.root().kind, Kind::kTensor);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(at::equal(doc.root().tensor, storage.as_strided({2, 3}, {1, 2}, 2)));

  // Offset/size/stride reaching past the storage: 2 + 1 + 2 * 4 = 11 > 9.
  std::string past = rebuild;
  past.replace(past.find("K\x03\x86"), 3, "K\x05\x86");
  const std::string msg = errorOf("\x80\x02" + past + ".", load);
  EXPECT_NE(msg.find("past its storage"), std::string::npos) << msg;
  // A tensor built from something that is not a storage.
  std::string notStorage = rebuild;
  notStorage.replace(notStorage.find(lit("X\x01\x00\x00\x00sQ")), 7, "K\x01");
  EXPECT_NE(errorOf("\x80\x02" + notStorage + ".", load).find("storage"), std::string::npos);
}

TEST(PickleTest, StorageTypeNames) {
  EXPECT_EQ(pickle::storageDtype("torch.FloatStorage"), at::kFloat);
  EXPECT_EQ(pickle::storageDtype("torch.BFloat16Storage"), at::kBFloat16);
  EXPECT_EQ(pickle::storageDtype("torch.BoolStorage"), at::kBool);
  EXPECT_FALSE(pickle::storageDtype("torch.UntypedStorage").has_value());
  EXPECT_FALSE(pickle::storageDtype("os.FloatStorage").has_value());
  for (const auto t : {at::kDouble, at::kFloat, at::kHalf, at::kBFloat16, at::kLong, at::kInt,
                       at::kShort, at::kChar, at::kByte, at::kBool}) {
    EXPECT_EQ(pickle::storageDtype("torch." + pickle::storageTypeName(t)), t);
  }
  EXPECT_THROW((void)pickle::storageTypeName(at::kComplexFloat), Error);
}

}  // namespace
}  // namespace ddim
