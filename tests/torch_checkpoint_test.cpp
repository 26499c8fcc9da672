#include "model/torch_checkpoint.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

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
  // LibTorch's miniz skips CRC checks, so a flip inside raw tensor data reads as another value;
  // flips in the zip structure and in data.pkl are caught.
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

}  // namespace
}  // namespace ddim
