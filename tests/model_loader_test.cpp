#include "model/model_loader.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <filesystem>

#include "errors.h"
#include "io/atomic_file.h"
#include "model/diffusers_names.h"
#include "model/safetensors.h"
#include "model/torch_checkpoint.h"
#include "model/unet.h"
#include "tiny_config.h"

namespace ddim {
namespace {
namespace fs = std::filesystem;

using testing::tinyConfig;

class ModelLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("ddim_loader_test_" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    torch::manual_seed(3);
    net = UNet(config.model);
    net->eval();
    weights = stateDictOf(*net);
    x = at::randn({2, 3, 8, 8});
    t = at::tensor({10.0f, 90.0f});
    c10::InferenceMode guard;
    expected = net->forward(x, t);
  }
  void TearDown() override { fs::remove_all(dir); }

  void expectSameOutput(const LoadedModel& m) {
    EXPECT_TRUE(at::allclose(m.denoiser.net(x, t), expected, 1e-5, 1e-5));
    EXPECT_EQ(m.parameterCount, parameterCount(*net));
  }
  std::string errorOf(const ModelSource& s) {
    try {
      (void)loadModel(s, at::kCPU);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  ModelConfig config = tinyConfig();
  fs::path dir;
  UNet net{nullptr};
  StateDict weights;
  at::Tensor x, t, expected;
};

TEST_F(ModelLoaderTest, FolderWithSafetensors) {
  saveModelConfig(config, (dir / "config.yml").string());
  writeSafetensors((dir / "model.safetensors").string(), weights);
  const LoadedModel m = loadModel(ModelSource{dir.string(), "", ""}, at::kCPU);
  expectSameOutput(m);
  EXPECT_EQ(m.format, ModelFormat::kSafetensors);
  EXPECT_EQ(m.config.imageSize, 8);
  EXPECT_EQ(m.schedule.numTimesteps(), 100);
}

TEST_F(ModelLoaderTest, ConfigAndTorchCheckpointPair) {
  saveModelConfig(config, (dir / "c.yml").string());
  writeTorchCheckpoint((dir / "w.ckpt").string(), weights);
  const LoadedModel m =
      loadModel(ModelSource{"", (dir / "c.yml").string(), (dir / "w.ckpt").string()}, at::kCPU);
  expectSameOutput(m);
  EXPECT_EQ(m.format, ModelFormat::kTorchCheckpoint);
}

TEST_F(ModelLoaderTest, DiffusersFolder) {
  writeSafetensors((dir / "diffusion_pytorch_model.safetensors").string(),
                   officialToDiffusers(weights, 2));
  writeFileAtomic((dir / "config.json").string(), R"({
    "_class_name": "UNet2DModel", "sample_size": 8, "in_channels": 3, "out_channels": 3,
    "block_out_channels": [32, 64], "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
    "freq_shift": 1, "flip_sin_to_cos": false, "downsample_padding": 0,
    "norm_eps": 1e-06, "norm_num_groups": 32, "act_fn": "silu", "center_input_sample": false,
    "time_embedding_type": "positional", "mid_block_scale_factor": 1, "attention_head_dim": null})");
  writeFileAtomic((dir / "scheduler_config.json").string(),
                  R"({"_class_name": "DDPMScheduler", "num_train_timesteps": 100,
                      "beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02})");
  const LoadedModel m = loadModel(ModelSource{dir.string(), "", ""}, at::kCPU);
  expectSameOutput(m);
  EXPECT_EQ(m.format, ModelFormat::kDiffusers);
}

TEST_F(ModelLoaderTest, TorchScriptWithEmbeddedConfig) {
  torch::jit::Module module("HalfOfInput");
  module.define(R"(
def forward(self, x, t):
    return x * 0.5 + t.view(-1, 1, 1, 1) * 0.0
)");
  std::unordered_map<std::string, std::string> extra{{"config.yml", modelConfigToYaml(config)}};
  const std::string path = (dir / "scripted.pt").string();
  module.save(path, extra);
  const LoadedModel m = loadModel(ModelSource{path, "", ""}, at::kCPU);
  EXPECT_EQ(m.format, ModelFormat::kTorchScript);
  EXPECT_TRUE(at::allclose(m.denoiser.net(x, t), x * 0.5));
  EXPECT_EQ(m.config.imageSize, 8);

  torch::jit::Module bare("NoConfig");
  bare.define("def forward(self, x, t):\n    return x\n");
  fs::create_directories(dir / "bare");
  bare.save((dir / "bare" / "bare.pt").string());
  EXPECT_NE(
      errorOf(ModelSource{(dir / "bare" / "bare.pt").string(), "", ""}).find("needs a config"),
      std::string::npos);
}

TEST_F(ModelLoaderTest, MismatchesNameKeyAndShapes) {
  saveModelConfig(config, (dir / "config.yml").string());
  const std::string w = (dir / "model.safetensors").string();
  StateDict missing(weights.begin() + 1, weights.end());
  writeSafetensors(w, missing);
  EXPECT_NE(errorOf({dir.string(), "", ""}).find("missing weight " + weights[0].first),
            std::string::npos);

  StateDict wrongShape = weights;
  for (auto& [name, tensor] : wrongShape)
    if (name == "conv_in.weight") tensor = at::zeros({32, 3, 5, 5});
  writeSafetensors(w, wrongShape);
  const std::string e = errorOf({dir.string(), "", ""});
  EXPECT_NE(e.find("'conv_in.weight' has shape (32, 3, 5, 5), the model expects (32, 3, 3, 3)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(w), std::string::npos);

  StateDict extra = weights;
  extra.emplace_back("mid.block_3.conv1.weight", at::zeros({1}));
  writeSafetensors(w, extra);
  EXPECT_NE(errorOf({dir.string(), "", ""}).find("unexpected weight mid.block_3.conv1.weight"),
            std::string::npos);

  StateDict ints = weights;
  ints[0].second = ints[0].second.to(at::kLong);
  writeSafetensors(w, ints);
  EXPECT_NE(errorOf({dir.string(), "", ""}).find("expected a floating type"), std::string::npos);
}

TEST_F(ModelLoaderTest, FolderProblemsAreClear) {
  EXPECT_NE(errorOf({(dir / "nope").string(), "", ""}).find("no such file"), std::string::npos);
  EXPECT_NE(errorOf({dir.string(), "", ""}).find("exactly one config"), std::string::npos);
  saveModelConfig(config, (dir / "config.yml").string());
  writeSafetensors((dir / "a.safetensors").string(), weights);
  writeSafetensors((dir / "b.safetensors").string(), weights);
  EXPECT_NE(errorOf({dir.string(), "", ""}).find("a.safetensors, b.safetensors"),
            std::string::npos);
  fs::remove(dir / "b.safetensors");
  // Half-precision weights are widened, not refused.
  StateDict half = weights;
  for (auto& [name, tensor] : half) tensor = tensor.to(at::kHalf);
  writeSafetensors((dir / "a.safetensors").string(), half);
  EXPECT_TRUE(at::allclose(loadModel({dir.string(), "", ""}, at::kCPU).denoiser.net(x, t), expected,
                           0.05, 0.05));
}

// A config asking for a far bigger network than the weights hold once allocated it first
// (ch 4096: 8+ GB). A width of 2^20 would need terabytes: it must fail on the first shape.
TEST_F(ModelLoaderTest, ConfigIsCheckedAgainstTheWeightsBeforeTheNetworkIsBuilt) {
  ModelConfig huge = config;
  huge.model.ch = 1 << 20;
  huge.model.chMult = {1};
  huge.model.attnResolutions = {};
  saveModelConfig(huge, (dir / "config.yml").string());
  writeSafetensors((dir / "model.safetensors").string(), weights);
  EXPECT_NE(errorOf(ModelSource{dir.string(), "", ""})
                .find("weight 'temb.dense.0.weight' has shape (128, 32), the model expects "
                      "(4194304, 1048576)"),
            std::string::npos);
  fs::remove(dir / "model.safetensors");
  writeTorchCheckpoint((dir / "model.ckpt").string(), weights);
  EXPECT_NE(errorOf(ModelSource{dir.string(), "", ""}).find("the model expects (4194304, 1048576)"),
            std::string::npos);
}

// An extra tensor in a safetensors file was read in full (4 GB) before being refused; now the
// header alone decides.
TEST_F(ModelLoaderTest, UnexpectedSafetensorsTensorIsRefusedFromTheHeader) {
  saveModelConfig(config, (dir / "config.yml").string());
  StateDict extra = weights;
  extra.emplace_back("stray", at::zeros({3, 5}));
  const std::string path = (dir / "model.safetensors").string();
  writeSafetensors(path, extra);
  EXPECT_NE(errorOf(ModelSource{dir.string(), "", ""}).find("unexpected weight stray (3, 5)"),
            std::string::npos);
  const StateDict layout = readSafetensorsLayout(path);
  for (const auto& [name, tensor] : layout) EXPECT_TRUE(tensor.is_meta()) << name;
  try {
    checkWeightsFitConfig(config.model, layout, path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected weight stray (3, 5)"), std::string::npos);
  }
}

TEST_F(ModelLoaderTest, NonFiniteWeightsAreRefusedNamingTheTensor) {
  saveModelConfig(config, (dir / "config.yml").string());
  for (const float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    StateDict w = weights;
    for (auto& [name, tensor] : w)
      if (name == "mid.block_1.conv1.bias") {
        tensor = tensor.clone();
        tensor[3] = bad;
      }
    writeSafetensors((dir / "model.safetensors").string(), w);
    EXPECT_NE(errorOf(ModelSource{dir.string(), "", ""})
                  .find("weight 'mid.block_1.conv1.bias' holds NaN or infinite values"),
              std::string::npos);
  }
}

// A diffusers config.json value nested 100,000 deep once overflowed the stack (a recursive copy).
TEST_F(ModelLoaderTest, DeeplyNestedDiffusersConfigIsRefused) {
  writeSafetensors((dir / "diffusion_pytorch_model.safetensors").string(),
                   officialToDiffusers(weights, 2));
  writeFileAtomic((dir / "config.json").string(),
                  "{\"_class_name\": \"UNet2DModel\", \"block_out_channels\": [32, 64], "
                  "\"sample_size\": " +
                      std::string(100000, '[') + std::string(100000, ']') + "}");
  const std::string msg = errorOf(ModelSource{dir.string(), "", ""});
  EXPECT_NE(msg.find("config.json: JSON nested deeper than 32 levels"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ddim
