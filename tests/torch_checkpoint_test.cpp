#include "model/torch_checkpoint.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>

#include "errors.h"
#include "weights_test_util.h"

namespace ddim {
namespace {

using testing::ScratchDir;
using testing::weightsFixture;

std::string errorOf(const std::string& path) {
  try {
    (void)readTorchCheckpoint(path);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

void expectFixture(const std::string& file, const std::string& expected) {
  SCOPED_TRACE(file);
  testing::expectStateDictEquals(readTorchCheckpoint(weightsFixture(file)),
                                 testing::readExpected(weightsFixture(expected)));
}

TEST(TorchCheckpointTest, ReadsOrderedDictSavedByPython) {
  // Every dtype, a transposed tensor, a view with a storage offset, a 0-dim and an empty tensor.
  expectFixture("plain_state_dict.pt", "plain_state_dict.expected.txt");
}

TEST(TorchCheckpointTest, ReadsPlainDictSavedByPython) {
  expectFixture("plain_dict.bin", "plain_dict.expected.txt");
}

TEST(TorchCheckpointTest, OfficialTrainingListYieldsEma) {
  // [model ("module." keys), Adam state, epoch, step, ema]: the EMA values, not the model's.
  expectFixture("official_training_list.pth", "official_training_list.expected.txt");
}

TEST(TorchCheckpointTest, TrainingListWithoutEmaYieldsModelWithoutPrefix) {
  expectFixture("training_list_no_ema.pth", "training_list_no_ema.expected.txt");
}

TEST(TorchCheckpointTest, ReadsStateDictWrapper) {
  expectFixture("wrapped_state_dict.pt", "wrapped_state_dict.expected.txt");
}

TEST(TorchCheckpointTest, RefusesForeignGlobalNamingIt) {
  const std::string path = weightsFixture("malicious_os_system.pt");
  const std::string msg = errorOf(path);
  EXPECT_NE(msg.find("posix.system"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(TorchCheckpointTest, LegacyFormatAsksToResave) {
  const std::string msg = errorOf(weightsFixture("legacy_format.pt"));
  EXPECT_NE(msg.find("legacy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("re-save"), std::string::npos) << msg;
}

TEST(TorchCheckpointTest, WriteThenReadRoundTripsEveryDtype) {
  ScratchDir dir;
  const StateDict original = testing::everyDtypeStateDict();
  writeTorchCheckpoint(dir.file("all.pt"), original);
  testing::expectSameStateDict(readTorchCheckpoint(dir.file("all.pt")), original);
}

TEST(TorchCheckpointTest, WrittenArchiveHasTorchSaveLayout) {
  ScratchDir dir;
  const StateDict tensors = {{"a", at::arange(6, at::kFloat).reshape({2, 3})},
                             {"b", at::ones({4}, at::kHalf)}};
  writeTorchCheckpoint(dir.file("layout.pt"), tensors);
  caffe2::serialize::PyTorchStreamReader reader(dir.file("layout.pt"));
  std::vector<std::string> records = reader.getAllRecords();
  std::sort(records.begin(), records.end());
  // Names are relative to the archive's top folder ("archive/", as torch.save to a buffer).
  EXPECT_EQ(records, (std::vector<std::string>{"data.pkl", "data/0", "data/1", "version"}));
  auto [data, size] = reader.getRecord("data/0");
  ASSERT_EQ(size, 6 * sizeof(float));
  const auto* values = static_cast<const float*>(data.get());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(values[i], static_cast<float>(i));  // raw little-endian
}

TEST(TorchCheckpointTest, EmptyStateDictRoundTrips) {
  ScratchDir dir;
  writeTorchCheckpoint(dir.file("empty.pt"), {});
  EXPECT_TRUE(readTorchCheckpoint(dir.file("empty.pt")).empty());
}

TEST(TorchCheckpointTest, TruncatedFilesThrow) {
  ScratchDir dir;
  const std::string bytes = testing::readBytes(weightsFixture("plain_state_dict.pt"));
  for (size_t cut = 0; cut < bytes.size(); cut += (cut < 64 ? 1 : 37)) {
    testing::writeBytes(dir.file("cut.pt"), bytes.substr(0, cut));
    EXPECT_NE(errorOf(dir.file("cut.pt")), "") << "cut at " << cut;
  }
}

TEST(TorchCheckpointTest, CorruptedBytesGiveErrorOrCleanRead) {
  ScratchDir dir;
  const std::string bytes = testing::readBytes(weightsFixture("official_training_list.pth"));
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    testing::writeBytes(dir.file("flip.pth"), corrupt);
    if (!errorOf(dir.file("flip.pth")).empty()) ++rejected;  // other exceptions fail the test
  }
  // Flips in the zip structure, data.pkl and tensor data are caught; flips in fields nobody reads
  // (timestamps, version-made-by, padding) read cleanly.
  EXPECT_GT(rejected, 200);
}

TEST(TorchCheckpointTest, CorruptPickleInsideValidZipThrows) {
  ScratchDir dir;
  const std::string path = dir.file("bad_pickle.pt");
  const float one = 1.0f;
  for (const std::string& pkl : {std::string("\x80\x02]q\x00(", 6),    // no STOP
                                 std::string("\x80\x02h\x07.", 5),     // bad memo index
                                 std::string("\x80\x02s.", 4),         // stack underflow
                                 std::string("\x80\x02K\x01.", 5)}) {  // an int
    {
      caffe2::serialize::PyTorchStreamWriter writer(path);
      writer.writeRecord("data.pkl", pkl.data(), pkl.size());
      writer.writeRecord("data/0", &one, sizeof one);
      writer.writeEndOfFile();
    }
    const std::string msg = errorOf(path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(TorchCheckpointTest, OtherFilesAreRefusedClearly) {
  ScratchDir dir;
  testing::writeBytes(dir.file("text.pt"), "hello, not a checkpoint");
  EXPECT_NE(errorOf(dir.file("text.pt")).find("not a torch checkpoint"), std::string::npos);
  EXPECT_NE(errorOf(dir.file("missing.pt")).find("missing.pt"), std::string::npos);
  {
    caffe2::serialize::PyTorchStreamWriter writer(dir.file("script.pt"));
    writer.writeRecord("constants.pkl", "\x80\x02).", 4);
    writer.writeEndOfFile();
  }
  EXPECT_NE(errorOf(dir.file("script.pt")).find("TorchScript"), std::string::npos);
}

TEST(TorchCheckpointTest, WriterRejectsDuplicatesAndLeavesNoFile) {
  ScratchDir dir;
  const std::string path = dir.file("dup.pt");
  EXPECT_THROW(writeTorchCheckpoint(path, {{"a", at::ones({1})}, {"a", at::ones({1})}}), Error);
  EXPECT_THROW(writeTorchCheckpoint(path, {{"c", at::ones({1}, at::kComplexFloat)}}), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
}

struct ZipEntry {
  std::string name;
  std::string data;
  uint32_t externalAttributes = 0;
};

void putLe(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A stored zip written field by field (APPNOTE 4.3), CRCs from zlib, so that the archive can
// hold what torch's writer never writes: directory entries, repeated names, wrong CRCs.
std::string zipOf(const std::vector<ZipEntry>& entries, int corruptCrcOf = -1) {
  std::string out, central;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ZipEntry& e = entries[i];
    uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    if (static_cast<int>(i) == corruptCrcOf) crc ^= 1;
    const size_t offset = out.size();
    putLe(out, 0x04034b50, 4);
    putLe(out, 20, 2);  // version needed
    putLe(out, 0, 2);   // flags
    putLe(out, 0, 2);   // stored
    putLe(out, 0, 4);   // time, date
    putLe(out, crc, 4);
    putLe(out, e.data.size(), 4);
    putLe(out, e.data.size(), 4);
    putLe(out, e.name.size(), 2);
    putLe(out, 0, 2);
    out += e.name + e.data;
    putLe(central, 0x02014b50, 4);
    putLe(central, 20, 2);
    putLe(central, 20, 2);
    putLe(central, 0, 2);
    putLe(central, 0, 2);
    putLe(central, 0, 4);
    putLe(central, crc, 4);
    putLe(central, e.data.size(), 4);
    putLe(central, e.data.size(), 4);
    putLe(central, e.name.size(), 2);
    putLe(central, 0, 2);  // extra
    putLe(central, 0, 2);  // comment
    putLe(central, 0, 2);  // disk
    putLe(central, 0, 2);  // internal attributes
    putLe(central, e.externalAttributes, 4);
    putLe(central, offset, 4);
    central += e.name;
  }
  const size_t centralOffset = out.size();
  out += central;
  putLe(out, 0x06054b50, 4);
  putLe(out, 0, 4);
  putLe(out, entries.size(), 2);
  putLe(out, entries.size(), 2);
  putLe(out, central.size(), 4);
  putLe(out, centralOffset, 4);
  putLe(out, 0, 2);
  return out;
}

// The records of a checkpoint holding one tensor "w" = [1, 2, 3, 4] (float32).
std::vector<ZipEntry> oneTensorRecords(const ScratchDir& dir) {
  writeTorchCheckpoint(dir.file("src.pt"), {{"w", at::arange(1, 5, at::kFloat)}});
  caffe2::serialize::PyTorchStreamReader reader(dir.file("src.pt"));
  auto [pkl, size] = reader.getRecord("data.pkl");
  const float values[] = {1, 2, 3, 4};
  return {{"archive/data.pkl", std::string(static_cast<const char*>(pkl.get()), size)},
          {"archive/data/0", std::string(reinterpret_cast<const char*>(values), sizeof values)},
          {"archive/version", "3\n"}};
}

TEST(TorchCheckpointTest, ZipRecordsAreCheckedAgainstTheCentralDirectory) {
  ScratchDir dir;
  const std::vector<ZipEntry> good = oneTensorRecords(dir);
  const std::string path = dir.file("case.pt");
  testing::writeBytes(path, zipOf(good));
  const StateDict read = readTorchCheckpoint(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(at::equal(read[0].second, at::tensor({1.0f, 2.0f, 3.0f, 4.0f})));

  // A wrong CRC-32 on the tensor data or on the pickle once loaded silently.
  testing::writeBytes(path, zipOf(good, /*corruptCrcOf=*/1));
  EXPECT_NE(errorOf(path).find("record 'archive/data/0' fails its CRC-32 check"), std::string::npos)
      << errorOf(path);
  testing::writeBytes(path, zipOf(good, /*corruptCrcOf=*/0));
  EXPECT_NE(errorOf(path).find("'archive/data.pkl' fails its CRC-32"), std::string::npos);
  // A record marked as a directory was never read: its tensor's memory stayed uninitialised.
  std::vector<ZipEntry> directory = good;
  directory[1].externalAttributes = 0x10;
  testing::writeBytes(path, zipOf(directory));
  EXPECT_NE(errorOf(path).find("record 'archive/data/0' is a directory entry"), std::string::npos);
  directory = good;
  directory.push_back({"archive/data/", ""});
  testing::writeBytes(path, zipOf(directory));
  EXPECT_NE(errorOf(path).find("'archive/data/' is a directory entry"), std::string::npos);
  // Two records with one name: which one torch's reader returns is up to its search.
  std::vector<ZipEntry> twice = good;
  twice.push_back({"archive/data/0", std::string(16, '\0')});
  testing::writeBytes(path, zipOf(twice));
  EXPECT_NE(errorOf(path).find("record 'archive/data/0' appears twice"), std::string::npos);
}

// One flipped bit inside the tensor data of a file torch's layout wrote.
TEST(TorchCheckpointTest, FlippedTensorDataBitIsCaught) {
  ScratchDir dir;
  const at::Tensor w = at::arange(1000, 1064, at::kFloat);
  writeTorchCheckpoint(dir.file("w.pt"), {{"w", w}});
  std::string bytes = testing::readBytes(dir.file("w.pt"));
  const std::string data(static_cast<const char*>(w.data_ptr()), w.nbytes());
  const size_t at = bytes.find(data);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 100] = static_cast<char>(bytes[at + 100] ^ 0x01);
  testing::writeBytes(dir.file("w.pt"), bytes);
  EXPECT_NE(errorOf(dir.file("w.pt")).find("fails its CRC-32 check"), std::string::npos);
}

}  // namespace
}  // namespace ddim
