// Autoguidance (Karras et al. 2024): the guided denoiser, the config section that names a guide,
// and loading a model folder together with its guide.

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "analytic_model.h"
#include "diffusion/denoiser.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"
#include "io/atomic_file.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "model/unet.h"
#include "tiny_config.h"

namespace ddim {
namespace {
namespace fs = std::filesystem;

using testing::GaussianData;

class GuidedDenoiserTest : public ::testing::Test {
 protected:
  NoiseSchedule schedule{BetaSchedule::kLinear, 1e-4, 0.02, 1000};
  // The "good" model knows the data's spread; the "bad" guide believes it twice as wide.
  GaussianData good = GaussianData::make(schedule);
  GaussianData bad = [this] {
    GaussianData g = GaussianData::make(schedule);
    g.sigma = g.sigma * 2;
    return g;
  }();
  at::Tensor noise(int64_t n, uint64_t seed = 11) const {
    return seededNoise({n, 1, 2, 2}, seed, at::kCPU).to(at::kDouble);
  }
};

TEST_F(GuidedDenoiserTest, OutputIsGuidePlusWeightTimesDifference) {
  const Denoiser guided = guidedDenoiser(good.denoiser(), bad.denoiser(), 2.5);
  const at::Tensor x = noise(5);
  const at::Tensor t = at::tensor({0.0, 100.0, 500.0, 900.0, 999.0}, at::kDouble);
  const at::Tensor eg = good.eps(x, t), eb = bad.eps(x, t);
  EXPECT_TRUE(at::allclose(guided.net(x, t), eb + 2.5 * (eg - eb), 1e-12, 1e-12));
  EXPECT_EQ(guided.prediction, PredictionType::kEps);
  // Weight 1 is the model alone, weight 0 the guide alone.
  EXPECT_TRUE(at::equal(guidedDenoiser(good.denoiser(), bad.denoiser(), 1.0).net(x, t), eg));
  EXPECT_TRUE(at::allclose(guidedDenoiser(good.denoiser(), bad.denoiser(), 0.0).net(x, t), eb,
                           1e-12, 1e-12));
}

TEST_F(GuidedDenoiserTest, OneDdimStepMatchesTheGuidedEquationByHand) {
  const at::Tensor xT = noise(3);
  SampleOptions o;
  o.steps = 1;
  o.skip = SkipType::kTrailing;
  const double w = 3.0;
  const at::Tensor x = sample(guidedDenoiser(good.denoiser(), bad.denoiser(), w), schedule, xT, o);
  // eps_i = sqrt(1 - a) (x - sqrt(a) mu) / (a s_i^2 + 1 - a), combined by hand.
  const double a = schedule.alphaBar(999);
  const at::Tensor d = xT - std::sqrt(a) * good.mu;
  const at::Tensor eg = std::sqrt(1 - a) * d / (a * good.sigma * good.sigma + 1 - a);
  const at::Tensor eb = std::sqrt(1 - a) * d / (a * bad.sigma * bad.sigma + 1 - a);
  const at::Tensor eps = eb + w * (eg - eb);
  EXPECT_TRUE(at::allclose(x, (xT - std::sqrt(1 - a) * eps) / std::sqrt(a), 1e-10, 1e-10));
}

// Guiding away from a model that believes the data wider concentrates the samples: their spread
// shrinks below the data's, the more so the larger the weight; the mean stays.
TEST_F(GuidedDenoiserTest, GuidanceAwayFromAWiderModelNarrowsTheSamples) {
  const at::Tensor xT = noise(4000);
  SampleOptions o;
  o.steps = 100;
  auto spread = [&](double w) {
    const at::Tensor x =
        sample(guidedDenoiser(good.denoiser(), bad.denoiser(), w), schedule, xT, o);
    EXPECT_TRUE(at::allclose(x.mean(0), good.mu, 0, 0.05)) << "w=" << w;
    return x.std(0);
  };
  const at::Tensor s1 = spread(1.0), s2 = spread(2.0), s3 = spread(3.0);
  EXPECT_TRUE(at::allclose(s1, good.sigma, 0.1, 0.01)) << s1;  // the model alone: the data
  EXPECT_TRUE((s2 < 0.95 * s1).all().item<bool>()) << s2;
  EXPECT_TRUE((s3 < 0.95 * s2).all().item<bool>()) << s3;
}

TEST_F(GuidedDenoiserTest, DifferentPredictionTypesAreRefused) {
  GaussianData d = good;
  const Denoiser vModel{[d](const at::Tensor& x, const at::Tensor& t) { return d.v(x, t); },
                        PredictionType::kV};
  try {
    (void)guidedDenoiser(good.denoiser(), vModel, 2.0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("v_prediction"), std::string::npos) << e.what();
  }
}

TEST(GuidanceConfigTest, ParsedWrittenAndChecked) {
  const std::string base =
      "data: {image_size: 8, channels: 3}\n"
      "model: {ch: 32, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [4]}\n"
      "diffusion: {beta_schedule: linear, beta_start: 0.0001, beta_end: 0.02, "
      "num_diffusion_timesteps: 100}\n";
  const ModelConfig plain = parseModelConfig(base, "plain.yml");
  EXPECT_TRUE(plain.guidance.model.empty());
  EXPECT_EQ(plain.guidance.weight, 1.0);
  EXPECT_EQ(modelConfigToYaml(plain).find("guidance"), std::string::npos);

  const ModelConfig c = parseModelConfig(base + "guidance: {model: guide, weight: 2.5}\n", "g.yml");
  EXPECT_EQ(c.guidance.model, "guide");
  EXPECT_EQ(c.guidance.weight, 2.5);
  const ModelConfig back = parseModelConfig(modelConfigToYaml(c), "back.yml");
  EXPECT_EQ(back.guidance.model, "guide");
  EXPECT_EQ(back.guidance.weight, 2.5);

  auto errorOf = [&](const std::string& extra) -> std::string {
    try {
      (void)parseModelConfig(base + extra, "bad.yml");
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(errorOf("guidance: {model: g, scale: 2}\n").find("guidance.scale"), std::string::npos);
  EXPECT_NE(errorOf("guidance: {weight: 2}\n").find("guidance.model"), std::string::npos);
  EXPECT_NE(errorOf("guidance: {model: g, weight: -1}\n").find("guidance.weight"),
            std::string::npos);
  EXPECT_NE(errorOf("guidance: 3\n").find("bad.yml"), std::string::npos);
}

class GuideLoadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("ddim_guide_test_" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir / "guide");
    x = at::randn({2, 3, 8, 8});
    t = at::tensor({10.0f, 90.0f});
  }
  void TearDown() override { fs::remove_all(dir); }

  // Writes a randomly initialised tiny network with `config` to `folder`; returns its output on
  // (x, t).
  at::Tensor writeModel(const fs::path& folder, const ModelConfig& config, uint64_t seed) {
    torch::manual_seed(seed);
    UNet net(config.model);
    net->eval();
    saveModelConfig(config, (folder / "config.yml").string());
    writeSafetensors((folder / "model.safetensors").string(), stateDictOf(*net));
    c10::InferenceMode guard;
    return net->forward(x, t);
  }
  std::string errorOf() {
    try {
      (void)loadModel(ModelSource{dir.string(), "", ""}, at::kCPU);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  fs::path dir;
  at::Tensor x, t;
};

TEST_F(GuideLoadingTest, FolderWithGuideLoadsBothAndGuides) {
  ModelConfig main = testing::tinyConfig();
  main.guidance.model = "guide";
  main.guidance.weight = 2.0;
  const at::Tensor ym = writeModel(dir, main, 1);
  const at::Tensor yg = writeModel(dir / "guide", testing::tinyConfig(), 2);
  const LoadedModel m = loadModel(ModelSource{dir.string(), "", ""}, at::kCPU);
  ASSERT_TRUE(m.hasGuide());
  EXPECT_EQ(m.guidance, 2.0);
  EXPECT_EQ(m.guideWeightsPath, (dir / "guide" / "model.safetensors").string());
  EXPECT_TRUE(at::allclose(m.denoiser.net(x, t), ym, 1e-5, 1e-5));  // the model alone
  EXPECT_TRUE(at::allclose(m.guide.net(x, t), yg, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(m.sampling(1.0).net(x, t), ym, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(m.sampling(2.0).net(x, t), yg + 2.0 * (ym - yg), 1e-4, 1e-5));
  // Also through a config + weights pair: the guide is relative to the config's folder.
  const LoadedModel pair = loadModel(
      ModelSource{"", (dir / "config.yml").string(), (dir / "model.safetensors").string()},
      at::kCPU);
  EXPECT_TRUE(pair.hasGuide());
}

TEST_F(GuideLoadingTest, ModelWithoutGuideRefusesOtherWeights) {
  const at::Tensor ym = writeModel(dir, testing::tinyConfig(), 1);
  const LoadedModel m = loadModel(ModelSource{dir.string(), "", ""}, at::kCPU);
  EXPECT_FALSE(m.hasGuide());
  EXPECT_EQ(m.guidance, 1.0);
  EXPECT_TRUE(at::allclose(m.sampling(1.0).net(x, t), ym, 1e-5, 1e-5));
  EXPECT_THROW((void)m.sampling(2.0), Error);
}

TEST_F(GuideLoadingTest, GuideProblemsAreClearErrors) {
  ModelConfig main = testing::tinyConfig();
  main.guidance.model = "guide";
  (void)writeModel(dir, main, 1);
  EXPECT_NE(errorOf().find("guide"), std::string::npos) << errorOf();  // empty guide folder

  ModelConfig other = testing::tinyConfig();  // another schedule
  other.diffusion.numTimesteps = 50;
  (void)writeModel(dir / "guide", other, 2);
  EXPECT_NE(errorOf().find("noise schedule"), std::string::npos) << errorOf();

  other = testing::tinyConfig();  // another prediction type
  other.diffusion.predictionType = PredictionType::kV;
  (void)writeModel(dir / "guide", other, 2);
  EXPECT_NE(errorOf().find("predicts v_prediction"), std::string::npos) << errorOf();

  other = testing::tinyConfig();  // a guide with a guide of its own
  other.guidance.model = "..";
  (void)writeModel(dir / "guide", other, 2);
  EXPECT_NE(errorOf().find("cannot have a guide"), std::string::npos) << errorOf();

  fs::remove_all(dir / "guide");
  EXPECT_NE(errorOf().find("not found"), std::string::npos) << errorOf();
}

}  // namespace
}  // namespace ddim
