#include "model/model_config.h"

#include <gtest/gtest.h>

#include "errors.h"

namespace ddim {
namespace {

// The structure of ermongroup/ddim configs/cifar10.yml (the paper's CIFAR-10 model).
const char* kCifar10Yaml = R"(data:
    dataset: "CIFAR10"
    image_size: 32
    channels: 3
    logit_transform: false
    uniform_dequantization: false
    gaussian_dequantization: false
    random_flip: true
    rescaled: true
    num_workers: 4

model:
    type: "simple"
    in_channels: 3
    out_ch: 3
    ch: 128
    ch_mult: [1, 2, 2, 2]
    num_res_blocks: 2
    attn_resolutions: [16, ]
    dropout: 0.1
    var_type: fixedlarge
    ema_rate: 0.9999
    ema: True
    resamp_with_conv: True

diffusion:
    beta_schedule: linear
    beta_start: 0.0001
    beta_end: 0.02
    num_diffusion_timesteps: 1000

training:
    batch_size: 128
    n_epochs: 10000

sampling:
    batch_size: 64
    last_only: True

optim:
    weight_decay: 0.000
    optimizer: "Adam"
    lr: 0.0002
)";

std::string errorOf(const std::string& text) {
  try {
    (void)parseModelConfig(text, "my.yml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfigTest, ParsesOfficialCifar10) {
  const ModelConfig c = parseModelConfig(kCifar10Yaml, "configs/cifar10.yml");
  EXPECT_EQ(c.imageSize, 32);
  EXPECT_EQ(c.model.ch, 128);
  EXPECT_EQ(c.model.chMult, (std::vector<int>{1, 2, 2, 2}));
  EXPECT_EQ(c.model.numResBlocks, 2);
  EXPECT_EQ(c.model.attnResolutions, (std::vector<int>{16}));
  EXPECT_DOUBLE_EQ(c.model.dropout, 0.1);
  EXPECT_TRUE(c.model.resampWithConv);
  EXPECT_EQ(c.diffusion.betaSchedule, BetaSchedule::kLinear);
  EXPECT_DOUBLE_EQ(c.diffusion.betaEnd, 0.02);
  EXPECT_EQ(c.diffusion.numTimesteps, 1000);
  EXPECT_EQ(c.diffusion.predictionType, PredictionType::kEps);
  EXPECT_EQ(c.name, "cifar10");
}

TEST(ModelConfigTest, JsonAndYamlRoundTrip) {
  const char* json = R"({"data": {"image_size": 16, "channels": 3},
    "model": {"ch": 32, "ch_mult": [1, 2], "num_res_blocks": 1, "attn_resolutions": [8],
              "dropout": 0.0, "prediction_type": "v_prediction"},
    "diffusion": {"beta_schedule": "cosine", "num_diffusion_timesteps": 500}})";
  const ModelConfig c = parseModelConfig(json, "m.json");
  EXPECT_EQ(c.diffusion.predictionType, PredictionType::kV);
  EXPECT_EQ(c.diffusion.betaSchedule, BetaSchedule::kCosine);
  const ModelConfig back = parseModelConfig(modelConfigToYaml(c), "m.yml");
  EXPECT_EQ(back.model.chMult, c.model.chMult);
  EXPECT_EQ(back.model.attnResolutions, c.model.attnResolutions);
  EXPECT_EQ(back.diffusion.predictionType, PredictionType::kV);
  EXPECT_EQ(back.diffusion.numTimesteps, 500);
  EXPECT_EQ(back.imageSize, 16);
}

TEST(ModelConfigTest, UnknownAndInconsistentFieldsAreClearErrors) {
  std::string y = kCifar10Yaml;
  EXPECT_NE(errorOf(std::string(y).replace(y.find("ch: 128"), 7, "chh: 128"))
                .find("unknown field 'model.chh'"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(y).replace(y.find("channels: 3"), 11, "channels: 1"))
                .find("data.channels"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(y).replace(y.find("attn_resolutions: [16, ]"), 24,
                                           "attn_resolutions: [12]"))
                .find("attn_resolutions"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(y).replace(y.find("image_size: 32"), 14, "image_size: 30"))
                .find("divisible"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(y).replace(y.find("ch: 128"), 7, "ch: 100")).find("multiple of 32"),
            std::string::npos);
  EXPECT_NE(
      errorOf(std::string(y).replace(y.find("linear"), 6, "cubic")).find("unknown beta schedule"),
      std::string::npos);
  EXPECT_NE(errorOf(std::string(y).replace(y.find("ch: 128"), 7, "ch: [1]")).find("wrong type"),
            std::string::npos);
  EXPECT_NE(errorOf("data: [1, 2").find("my.yml"), std::string::npos);
  EXPECT_NE(errorOf("model: {}\n").find("missing section 'data'"), std::string::npos);
}

TEST(ModelConfigTest, SchedulesThatBreakSamplingAreRefused) {
  const std::string y = kCifar10Yaml;
  const auto with = [&](const std::string& from, const std::string& to) {
    return errorOf(std::string(y).replace(y.find(from), from.size(), to));
  };
  EXPECT_NE(with("num_diffusion_timesteps: 1000", "num_diffusion_timesteps: 1000000000")
                .find("num_diffusion_timesteps must be in [1, 1000000]"),
            std::string::npos);
  EXPECT_NE(
      with("num_diffusion_timesteps: 1000", "num_diffusion_timesteps: 20000").find("underflows"),
      std::string::npos);
  EXPECT_NE(with("beta_schedule: linear", "beta_schedule: jsd").find("outside (0, 1)"),
            std::string::npos);
  EXPECT_NE(with("beta_end: 0.02", "beta_end: 0.999").find("underflows"), std::string::npos);
  EXPECT_NE(with("beta_end: 0.02", "beta_end: .nan").find("beta_start <= beta_end"),
            std::string::npos);
}

// A key with a line break was echoed raw, making a two-line error.
TEST(ModelConfigTest, KeysAreEchoedOnOneLine) {
  const std::string y = kCifar10Yaml;
  const std::string msg =
      errorOf(std::string(y).replace(y.find("ch: 128"), 7, "\"c\\nh\\x01\": 128"));
  EXPECT_NE(msg.find("unknown field 'model.c\\nh\\x01'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

// Found by fuzz_yaml_config: a complex key ("? dropout: 0", a mapping as the key) made yaml-cpp
// throw its own exception, which escaped as a message without the file's name.
TEST(ModelConfigTest, KeysThatAreNotNamesAreClearErrors) {
  const std::string y = kCifar10Yaml;
  for (const char* key : {"? dropout: 0\n    : 1", "? [a, b]\n    : 1", "[1]: 2"}) {
    const std::string msg = errorOf(std::string(y).replace(y.find("ch: 128"), 7, key));
    EXPECT_NE(msg.find("my.yml: a key in section 'model' at line"), std::string::npos) << msg;
    EXPECT_NE(msg.find("is not a plain name"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace ddim
