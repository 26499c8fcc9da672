#include "model/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "errors.h"
#include "weights_test_util.h"

namespace ddim {
namespace {

using testing::ScratchDir;

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string safetensorsBytes(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

// Reads `bytes` as a safetensors file; returns the ddim::Error message ("" when it read).
std::string readError(const ScratchDir& dir, const std::string& bytes) {
  const std::string path = dir.file("case.safetensors");
  testing::writeBytes(path, bytes);
  try {
    (void)readSafetensors(path);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(SafetensorsTest, ReadsFileWrittenByAnIndependentWriter) {
  const std::string path = testing::weightsFixture("reference.safetensors");
  testing::expectStateDictEquals(
      readSafetensors(path),
      testing::readExpected(testing::weightsFixture("reference.expected.txt")));
  const auto meta = readSafetensorsMetadata(path);
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"format", "pt"},
                                                      {"source", "make_weight_fixtures"}}));
}

TEST(SafetensorsTest, RoundTripsEveryDtypeAndMetadata) {
  ScratchDir dir;
  const std::string path = dir.file("all.safetensors");
  const StateDict original = testing::everyDtypeStateDict();
  const std::map<std::string, std::string> meta = {{"format", "pt"},
                                                   {"note", "a \"quoted\" \u00e9"}};
  writeSafetensors(path, original, meta);
  testing::expectSameStateDict(readSafetensors(path), original);
  EXPECT_EQ(readSafetensorsMetadata(path), meta);
}

TEST(SafetensorsTest, WritesTheSameDataBytesAsTheReferenceWriter) {
  ScratchDir dir;
  const std::string ref = testing::readBytes(testing::weightsFixture("reference.safetensors"));
  const std::string path = dir.file("rewritten.safetensors");
  writeSafetensors(path, readSafetensors(testing::weightsFixture("reference.safetensors")));
  const std::string out = testing::readBytes(path);
  uint64_t refHeader = 0, outHeader = 0;
  std::memcpy(&refHeader, ref.data(), 8);
  std::memcpy(&outHeader, out.data(), 8);
  EXPECT_EQ((8 + outHeader) % 8, 0u) << "data must start 8-byte aligned";
  EXPECT_EQ(out.substr(8 + outHeader), ref.substr(8 + refHeader));
  EXPECT_TRUE(readSafetensorsMetadata(path).empty());
}

TEST(SafetensorsTest, EmptyStateDictRoundTrips) {
  ScratchDir dir;
  writeSafetensors(dir.file("empty.safetensors"), {});
  EXPECT_TRUE(readSafetensors(dir.file("empty.safetensors")).empty());
}

TEST(SafetensorsTest, EveryTruncationThrows) {
  ScratchDir dir;
  const std::string bytes = testing::readBytes(testing::weightsFixture("reference.safetensors"));
  ASSERT_GT(bytes.size(), 100u);
  for (size_t cut = 0; cut < bytes.size(); cut += (cut < 64 ? 1 : 5)) {
    EXPECT_NE(readError(dir, bytes.substr(0, cut)), "") << "cut at " << cut;
  }
  EXPECT_NE(readError(dir, bytes + "x"), "") << "trailing bytes are not covered by any tensor";
}

TEST(SafetensorsTest, FlippedHeaderBytesNeverCrash) {
  ScratchDir dir;
  const std::string bytes = testing::readBytes(testing::weightsFixture("reference.safetensors"));
  uint64_t headerLen = 0;
  std::memcpy(&headerLen, bytes.data(), 8);
  int rejected = 0;
  for (size_t i = 0; i < 8 + headerLen; ++i) {
    for (const unsigned char mask : {0x01, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(corrupt[i] ^ mask);
      // Either a clear ddim::Error or (for a flip inside a name or a metadata string) a clean
      // read; any other exception escapes and fails the test.
      if (!readError(dir, corrupt).empty()) ++rejected;
    }
  }
  EXPECT_GT(rejected, static_cast<int>(headerLen));  // most flips break the structure
}

TEST(SafetensorsTest, HeaderLengthLargerThanFileThrows) {
  ScratchDir dir;
  const std::string msg = readError(dir, u64le(1000) + "{}");
  EXPECT_NE(msg.find("header length 1000"), std::string::npos) << msg;
  EXPECT_NE(readError(dir, u64le(~0ULL) + "{}"), "");
  EXPECT_NE(readError(dir, "abc"), "");
}

TEST(SafetensorsTest, InconsistentHeadersThrowNamingTheTensor) {
  ScratchDir dir;
  const std::string eight(8, '\0');
  struct Case {
    const char* header;
    std::string data;
    const char* mention;
  };
  const Case cases[] = {
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", eight, "'w'"},  // past the end
      {R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight, "'w'"},  // size mismatch
      {R"({"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", eight, "F8_E4M3"},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight, "'w'"},
      {R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", eight, "'w'"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight, "'w'"},
      {R"({"w":{"dtype":"F32","shape":[2]}})", eight, "'w'"},
      {R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
       R"("v":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
       eight, "overlapping"},
      {R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})", eight, "'w'"},  // gap at 0
      {R"({"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", eight,
       "'w'"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", eight, "JSON"},
      {R"([1,2])", "", "object"},
      {R"({"__metadata__":{"k":3}})", "", "__metadata__"},
  };
  for (const auto& c : cases) {
    const std::string msg = readError(dir, safetensorsBytes(c.header, c.data));
    EXPECT_NE(msg.find(c.mention), std::string::npos) << c.header << " -> " << msg;
    EXPECT_NE(msg.find("case.safetensors"), std::string::npos) << msg;
  }
}

TEST(SafetensorsTest, BoolBytesAreNormalised) {
  ScratchDir dir;
  const std::string path = dir.file("bool.safetensors");
  testing::writeBytes(path,
                      safetensorsBytes(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})",
                                       std::string("\x00\x02\x01", 3)));
  const StateDict d = readSafetensors(path);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(at::equal(d[0].second, at::tensor({0, 1, 1}, at::kByte).to(at::kBool)));
}

TEST(SafetensorsTest, WriterRejectsBadInput) {
  ScratchDir dir;
  const std::string path = dir.file("bad.safetensors");
  const at::Tensor t = at::ones({2});
  EXPECT_THROW(writeSafetensors(path, {{"a", t}, {"a", t}}), Error);
  EXPECT_THROW(writeSafetensors(path, {{"__metadata__", t}}), Error);
  EXPECT_THROW(writeSafetensors(path, {{"c", at::ones({2}, at::kComplexFloat)}}), Error);
  EXPECT_THROW(writeSafetensors(path, {{"u", at::Tensor()}}), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SafetensorsTest, MissingFileThrowsNamingIt) {
  try {
    (void)readSafetensors("/nonexistent/model.safetensors");
    FAIL() << "expected ddim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.safetensors"), std::string::npos);
  }
}

// A shape nested 100,000 deep once overflowed the stack in json::dump (building the message).
TEST(SafetensorsTest, DeeplyNestedHeaderIsRefusedBeforeParsing) {
  ScratchDir dir;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string msg = readError(
      dir, safetensorsBytes(
               "{\"a\":{\"dtype\":\"F32\",\"shape\":" + deep + ",\"data_offsets\":[0,0]}}", ""));
  EXPECT_NE(msg.find("nested deeper than 32 levels"), std::string::npos) << msg;
  // Brackets inside strings are text, not nesting.
  testing::writeBytes(dir.file("names.safetensors"),
                      safetensorsBytes("{\"__metadata__\":{\"k\":\"" + deep + "\"}}", ""));
  EXPECT_EQ(readSafetensorsMetadata(dir.file("names.safetensors")).at("k"), deep);
}

TEST(SafetensorsTest, LayoutComesFromTheHeaderAlone) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  writeSafetensors(path, {{"a", at::ones({2, 3})}, {"b", at::zeros({4}, at::kHalf)}});
  const StateDict layout = readSafetensorsLayout(path);
  ASSERT_EQ(layout.size(), 2u);
  EXPECT_EQ(layout[0].first, "a");
  EXPECT_TRUE(layout[0].second.is_meta());
  EXPECT_EQ(layout[0].second.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(layout[1].second.scalar_type(), at::kHalf);
  // A name with a line break is echoed escaped, so the message stays one line.
  const std::string msg = readError(
      dir,
      safetensorsBytes("{\"x\\ny\":{\"dtype\":\"F99\",\"shape\":[],\"data_offsets\":[0,0]}}", ""));
  EXPECT_NE(msg.find("tensor 'x\\ny'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

}  // namespace
}  // namespace ddim
