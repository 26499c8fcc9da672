#include "training/train.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <filesystem>

#include "io/image_folder.h"
#include "io/image_io.h"
#include "model/model_loader.h"
#include "model/safetensors.h"

namespace fs = std::filesystem;

namespace {

class TrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Tiny tensors: one thread is faster, and immune to OpenMP spin-waits on a busy machine.
    threads_ = at::get_num_threads();
    at::set_num_threads(1);
    dir_ = fs::temp_directory_path() /
           ("ddim_train_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "train");
    // Six 8x8 images: white with a coloured square at a different place each.
    for (int i = 0; i < 6; ++i) {
      ddim::Rgb8Image img{8, 8, std::vector<uint8_t>(8 * 8 * 3, 255)};
      for (int y = i % 3; y < i % 3 + 4; ++y)
        for (int x = i / 2; x < i / 2 + 4; ++x) {
          uint8_t* p = &img.pixels[(y * 8 + x) * 3];
          p[0] = static_cast<uint8_t>(40 * i);
          p[1] = static_cast<uint8_t>(200 - 30 * i);
          p[2] = 30;
        }
      ddim::writePng((dir_ / "data" / "train" / ("img" + std::to_string(i) + ".png")).string(),
                     img);
    }
  }
  void TearDown() override {
    fs::remove_all(dir_);
    at::set_num_threads(threads_);
  }

  ddim::TrainOptions tinyOptions(const std::string& out, int steps) const {
    ddim::TrainOptions o;
    o.dataDir = (dir_ / "data").string();
    o.outDir = (dir_ / out).string();
    o.config.imageSize = 8;
    o.config.model.resolution = 8;
    o.config.model.ch = 32;
    o.config.model.chMult = {1, 1};
    o.config.model.numResBlocks = 1;
    o.config.model.attnResolutions = {4};
    o.config.model.dropout = 0.1;  // exercises the per-step dropout seed on resume
    o.config.diffusion.predictionType = ddim::PredictionType::kV;
    o.config.name = "tiny";
    o.steps = steps;
    o.batchSize = 8;
    o.lr = 2e-3;
    o.warmupSteps = 5;
    o.checkpointEvery = 0;
    o.checkpointMinutes = 0;
    o.logEvery = 1;
    o.seed = 7;
    return o;
  }

  fs::path dir_;
  int threads_ = 1;
};

double mean(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

TEST_F(TrainTest, LoadsAFolderOfImagesInModelSpace) {
  const at::Tensor x = ddim::loadImageFolder((dir_ / "data").string(), 8);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{6, 3, 8, 8}));
  EXPECT_FLOAT_EQ(x[0][0][7][7].item<float>(), 1.0f);  // white corner
  EXPECT_NEAR(x[1][0][1][0].item<float>(), 2 * 40 / 255.0 - 1, 1e-6);
}

TEST_F(TrainTest, ATinyRunLowersTheLossAndWritesALoadableModel) {
  const ddim::TrainResult r = ddim::train(tinyOptions("model", 60));
  ASSERT_EQ(r.losses.size(), 60u);
  EXPECT_EQ(r.endStep, 60);
  EXPECT_LT(mean(r.losses, 45, 60), 0.7 * mean(r.losses, 0, 15));
  const ddim::LoadedModel m = ddim::loadModel({(dir_ / "model").string(), "", ""}, torch::kCPU);
  EXPECT_EQ(m.config.model.ch, 32);
  EXPECT_EQ(m.denoiser.prediction, ddim::PredictionType::kV);
  const at::Tensor y = m.denoiser.net(torch::zeros({1, 3, 8, 8}), torch::full({1}, 500.0f));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 3, 8, 8}));
}

TEST_F(TrainTest, StopAndResumeReproducesTheUninterruptedRunExactly) {
  const ddim::TrainResult full = ddim::train(tinyOptions("full", 8));

  std::atomic<bool> stop{false};
  ddim::TrainControl control;
  control.stop = &stop;
  control.onProgress = [&](const ddim::TrainProgress& p) {
    if (p.step == 3) stop = true;  // what Ctrl-C does
  };
  const ddim::TrainResult first = ddim::train(tinyOptions("split", 8), control);
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(first.endStep, 3);

  const ddim::TrainOptions resumed = ddim::readCheckpointOptions((dir_ / "split").string());
  EXPECT_EQ(resumed.steps, 8);
  EXPECT_EQ(resumed.config.model.attnResolutions, std::vector<int>{4});
  ddim::TrainOptions o = resumed;
  o.outDir = (dir_ / "split").string();
  const ddim::TrainResult second = ddim::train(o);
  EXPECT_EQ(second.startStep, 3);
  ASSERT_EQ(second.losses.size(), 5u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(first.losses[i], full.losses[i]);
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(second.losses[i], full.losses[3 + i]) << "step " << 4 + i;

  const ddim::StateDict a = ddim::readSafetensors((dir_ / "full" / "model.safetensors").string());
  const ddim::StateDict b = ddim::readSafetensors((dir_ / "split" / "model.safetensors").string());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  }
}

TEST(TrainRecipeTest, LossWeightsMatchTheirDefinitions) {
  const at::Tensor a = torch::tensor({0.5, 0.9, 10.0 / 11.0}, torch::kDouble);  // snr 1, 9, 10
  const at::Tensor v = ddim::lossWeight(a, ddim::PredictionType::kV, 5.0);
  EXPECT_NEAR(v[0].item<double>(), 1.0, 1e-12);         // snr <= gamma: plain v-loss
  EXPECT_NEAR(v[1].item<double>(), 6.0 / 10.0, 1e-12);  // (gamma + 1) / (snr + 1)
  const at::Tensor eps = ddim::lossWeight(a, ddim::PredictionType::kEps, 5.0);
  EXPECT_NEAR(eps[0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(eps[2].item<double>(), 0.5, 1e-12);  // min(snr, gamma) / snr
  const at::Tensor x0 = ddim::lossWeight(a, ddim::PredictionType::kX0, 5.0);
  EXPECT_NEAR(x0[1].item<double>(), 6.0, 1e-12);
  EXPECT_TRUE(torch::equal(ddim::lossWeight(a, ddim::PredictionType::kV, 0), torch::ones_like(a)));
}

TEST(TrainRecipeTest, LearningRateWarmsUpThenFollowsACosine) {
  ddim::TrainOptions o;
  o.lr = 1e-3;
  o.warmupSteps = 10;
  o.steps = 110;
  o.lrMinFactor = 0.1;
  EXPECT_NEAR(ddim::learningRateAt(o, 0), 1e-4, 1e-15);
  EXPECT_NEAR(ddim::learningRateAt(o, 9), 1e-3, 1e-15);
  EXPECT_NEAR(ddim::learningRateAt(o, 60), 0.55e-3, 1e-12);  // half way: mean of lr and lr * 0.1
  EXPECT_NEAR(ddim::learningRateAt(o, 110), 1e-4, 1e-15);
}

}  // namespace
