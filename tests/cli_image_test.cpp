// `ddim` reads images as the GUI does: GIF through Qt, one line naming the file and the cause for
// a broken image, a note for a nearly black 16-bit image. Every image is made here.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "io/atomic_file.h"
#include "model/model_config.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "model/unet.h"
#include "test_paths.h"
#include "tiny_config.h"

namespace ddim {
namespace {
namespace fs = std::filesystem;

class CliImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new fs::path(fs::temp_directory_path() /
                       ("ddim_cli_image_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir);
    fs::create_directories(*dir / "model");
    const ModelConfig c = testing::tinyConfig();
    saveModelConfig(c, (*dir / "model" / "config.yml").string());
    at::manual_seed(11);
    UNet net(c.model);
    writeSafetensors((*dir / "model" / "model.safetensors").string(), stateDictOf(*net));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir);
    delete dir;
  }

  static std::string path(const std::string& name) { return (*dir / name).string(); }

  /// `ddim invert` of `image`: its exit status and its stderr.
  static std::pair<int, std::string> invert(const std::string& image) {
    const std::string cmd = testing::cliPath() + " invert --model " + path("model") +
                            " --threads 1 --quiet --steps 2 --image " + image + " --out " +
                            path("z.npy") + " >/dev/null 2>" + path("stderr");
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, readFileBytes(path("stderr"))};
  }

  static fs::path* dir;
};
fs::path* CliImageTest::dir = nullptr;

TEST_F(CliImageTest, ABrokenImageGivesOneLineNamingTheFileAndTheCause) {
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", cv::Mat(32, 32, CV_8UC3, cv::Scalar(10, 90, 200)), jpeg);
  writeFileAtomic(path("cut.jpg"),
                  std::string(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2)));
  const auto [status, err] = invert(path("cut.jpg"));
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find(path("cut.jpg")), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(CliImageTest, ANearlyBlackSixteenBitImageReadsWithANote) {
  ASSERT_TRUE(cv::imwrite(path("dark.png"), cv::Mat(8, 8, CV_16UC3, cv::Scalar::all(900))));
  const auto [status, err] = invert(path("dark.png"));
  EXPECT_EQ(status, 0) << err;
  EXPECT_NE(err.find("note: " + path("dark.png")), std::string::npos) << err;
  EXPECT_NE(err.find("nearly black"), std::string::npos) << err;
}

#ifdef DDIM_CLI_READS_GIF
TEST_F(CliImageTest, AGifOpensThroughQtAsInTheGui) {
  // 1 x 1, colour 0 of a two-colour table (red); LZW: clear, 0, end at 3 bits = 0x144.
  writeFileAtomic(path("red.gif"),
                  std::string("GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\x00\x00\x00\x00\x00"
                              ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
                              34));
  const auto [status, err] = invert(path("red.gif"));
  EXPECT_EQ(status, 0) << err;
  EXPECT_TRUE(fs::exists(path("z.npy")));
}
#endif

}  // namespace
}  // namespace ddim
