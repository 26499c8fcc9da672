#include "model/diffusers_names.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "errors.h"
#include "key_list.h"
#include "weights_test_util.h"

namespace ddim {
namespace {

using testing::ScratchDir;

using KeymapEntry = testing::KeyListEntry;

int levelsOf(const std::vector<KeymapEntry>& entries) {
  int levels = 0;
  for (const auto& e : entries) {
    if (e.official.rfind("down.", 0) == 0)
      levels = std::max(levels, std::stoi(e.official.substr(5)) + 1);
  }
  return levels;
}

bool isAttnProjectionWeight(const std::string& diffusersName) {
  static const std::regex re(R"(\.(to_q|to_k|to_v|to_out\.0|query|key|value|proj_attn)\.weight$)");
  return std::regex_search(diffusersName, re);
}

// Diffusers stores attention projections as Linear (C, C); everything else has the official shape.
std::vector<int64_t> diffusersShape(const KeymapEntry& e) {
  if (isAttnProjectionWeight(e.diffusers)) return {e.shape[0], e.shape[1]};
  return e.shape;
}

// Shape-only tensors: the full-size models would need hundreds of MB.
at::Tensor metaTensor(const std::vector<int64_t>& shape) {
  return at::empty(shape, at::TensorOptions().device(at::kMeta));
}

std::string oldAttentionNames(std::string name) {
  static const std::pair<const char*, const char*> kRenames[] = {{".to_q.", ".query."},
                                                                 {".to_k.", ".key."},
                                                                 {".to_v.", ".value."},
                                                                 {".to_out.0.", ".proj_attn."}};
  for (const auto& [from, to] : kRenames) {
    const auto pos = name.find(from);
    if (pos != std::string::npos) name.replace(pos, std::strlen(from), to);
  }
  return name;
}

TEST(DiffusersNamesTest, KeymapsMapExactlyBothWays) {
  const std::tuple<const char*, size_t, int> files[] = {
      {"cifar10", 328, 4}, {"celeba64", 390, 5}, {"lsun256", 450, 6}};
  for (const auto& [file, count, levels] : files) {
    SCOPED_TRACE(file);
    const auto entries = testing::readKeyList(file);
    ASSERT_EQ(entries.size(), count);
    ASSERT_EQ(levelsOf(entries), levels);
    StateDict diffusers, diffusersOld, official;
    for (const auto& e : entries) {
      diffusers.emplace_back(e.diffusers, metaTensor(diffusersShape(e)));
      diffusersOld.emplace_back(oldAttentionNames(e.diffusers), metaTensor(diffusersShape(e)));
      official.emplace_back(e.official, metaTensor(e.shape));
    }
    for (const StateDict* source : {&diffusers, &diffusersOld}) {
      const StateDict mapped = diffusersToOfficial(*source, levels, file);
      ASSERT_EQ(mapped.size(), entries.size());
      for (size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(mapped[i].first, entries[i].official) << (*source)[i].first;
        EXPECT_EQ(mapped[i].second.sizes().vec(), entries[i].shape) << entries[i].official;
      }
    }
    const StateDict back = officialToDiffusers(official, levels);
    ASSERT_EQ(back.size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(back[i].first, entries[i].diffusers) << entries[i].official;
      EXPECT_EQ(back[i].second.sizes().vec(), diffusersShape(entries[i])) << entries[i].official;
    }
  }
}

TEST(DiffusersNamesTest, AttentionLinearBecomesConv1x1WithSameValues) {
  at::manual_seed(3);
  const at::Tensor w = at::randn({4, 4});
  const at::Tensor bias = at::randn({4});
  const StateDict diffusers = {
      {"up_blocks.0.attentions.2.to_out.0.weight", w},
      {"up_blocks.0.attentions.2.to_out.0.bias", bias},
      {"down_blocks.1.attentions.0.value.weight", w.reshape({4, 4, 1, 1})}};
  const StateDict official = diffusersToOfficial(diffusers, 2, "test");
  ASSERT_EQ(official.size(), 3u);
  EXPECT_EQ(official[0].first, "up.1.attn.2.proj_out.weight");
  EXPECT_TRUE(at::equal(official[0].second, w.reshape({4, 4, 1, 1})));
  EXPECT_EQ(official[1].first, "up.1.attn.2.proj_out.bias");
  EXPECT_TRUE(at::equal(official[1].second, bias));
  EXPECT_EQ(official[2].first, "down.1.attn.0.v.weight");  // already (C, C, 1, 1): kept
  EXPECT_EQ(official[2].second.sizes(), (std::vector<int64_t>{4, 4, 1, 1}));
  const StateDict back = officialToDiffusers(official, 2);
  EXPECT_EQ(back[0].first, "up_blocks.0.attentions.2.to_out.0.weight");
  EXPECT_TRUE(at::equal(back[0].second, w));
  EXPECT_EQ(back[2].first, "down_blocks.1.attentions.0.to_v.weight");
}

TEST(DiffusersNamesTest, UnknownNamesThrowNamingTheKey) {
  const at::Tensor t = at::zeros({2});
  for (const std::string name :
       {"down_blocks.0.resnets.0.foo.weight", "up_blocks.4.resnets.0.norm1.weight",
        "mid_block.resnets.2.conv1.weight", "mid_block.attentions.1.to_q.bias", "conv_in.scale",
        "conv_in", "time_embedding.linear_3.weight", "down_blocks.01.resnets.0.norm1.weight",
        "down_blocks.0.downsamplers.1.conv.weight", "encoder.conv_in.weight", ""}) {
    try {
      (void)diffusersToOfficial({{name, t}}, 4, "model.safetensors");
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + name + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)officialToDiffusers({{"up.4.block.0.norm1.weight", t}}, 4), Error);
  EXPECT_THROW((void)officialToDiffusers({{"mid.attn_2.q.weight", t}}, 4), Error);
  EXPECT_THROW((void)diffusersToOfficial({{"conv_in.weight", t}}, 0, "x"), Error);
}

TEST(DiffusersNamesTest, BadAttentionShapeOrDuplicateThrows) {
  EXPECT_THROW((void)diffusersToOfficial(
                   {{"mid_block.attentions.0.to_q.weight", at::zeros({4, 3})}}, 1, "x"),
               Error);
  EXPECT_THROW(
      (void)diffusersToOfficial({{"mid_block.attentions.0.to_q.weight", at::zeros({4, 4})},
                                 {"mid_block.attentions.0.query.weight", at::zeros({4, 4})}},
                                1, "x"),
      Error);
}

// google/ddpm-cifar10-32's config.json and scheduler_config.json.
constexpr const char* kCifarConfig = R"({
  "_class_name": "UNet2DModel", "_diffusers_version": "0.0.4", "act_fn": "silu",
  "attention_head_dim": null, "block_out_channels": [128, 256, 256, 256],
  "center_input_sample": false,
  "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
  "downsample_padding": 0, "flip_sin_to_cos": false, "freq_shift": 1, "in_channels": 3,
  "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-06, "norm_num_groups": 32,
  "out_channels": 3, "sample_size": 32, "time_embedding_type": "positional",
  "up_block_types": ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
})";
constexpr const char* kScheduler = R"({"_class_name": "DDPMScheduler", "beta_end": 0.02,
  "beta_schedule": "linear", "beta_start": 0.0001, "clip_sample": true,
  "num_train_timesteps": 1000, "trained_betas": null, "variance_type": "fixed_small"})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string writeModelFolder(const ScratchDir& dir, const std::string& name,
                             const std::string& config, const std::string& scheduler = "") {
  const std::string folder = dir.file(name);
  std::filesystem::create_directories(folder);
  testing::writeBytes(folder + "/config.json", config);
  if (!scheduler.empty()) testing::writeBytes(folder + "/scheduler_config.json", scheduler);
  return folder;
}

TEST(DiffusersNamesTest, ReadsCifar10Config) {
  ScratchDir dir;
  const ModelConfig c =
      loadDiffusersConfig(writeModelFolder(dir, "ddpm-cifar10-32", kCifarConfig, kScheduler));
  EXPECT_EQ(c.model.ch, 128);
  EXPECT_EQ(c.model.chMult, (std::vector<int>{1, 2, 2, 2}));
  EXPECT_EQ(c.model.numResBlocks, 2);
  EXPECT_EQ(c.model.attnResolutions, (std::vector<int>{16}));
  EXPECT_EQ(c.model.inChannels, 3);
  EXPECT_EQ(c.model.outCh, 3);
  EXPECT_EQ(c.model.resolution, 32);
  EXPECT_TRUE(c.model.resampWithConv);
  EXPECT_EQ(c.imageSize, 32);
  EXPECT_EQ(c.channels, 3);
  EXPECT_EQ(c.name, "ddpm-cifar10-32");
  EXPECT_EQ(c.diffusion.betaSchedule, BetaSchedule::kLinear);
  EXPECT_DOUBLE_EQ(c.diffusion.betaStart, 1e-4);
  EXPECT_DOUBLE_EQ(c.diffusion.betaEnd, 0.02);
  EXPECT_EQ(c.diffusion.numTimesteps, 1000);
  EXPECT_EQ(c.diffusion.predictionType, PredictionType::kEps);
  // The config file itself may be given instead of its folder.
  EXPECT_EQ(loadDiffusersConfig(dir.file("ddpm-cifar10-32/config.json")).model.chMult,
            c.model.chMult);
}

TEST(DiffusersNamesTest, ReadsLsunChurchConfigAndSchedulerVariants) {
  ScratchDir dir;
  std::string config =
      replaced(kCifarConfig, "[128, 256, 256, 256]", "[128, 128, 256, 256, 512, 512]");
  config = replaced(config, R"(["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"])",
                    R"(["DownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D",
                        "AttnDownBlock2D", "DownBlock2D"])");
  config = replaced(config, R"(["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"])",
                    R"(["UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D",
                        "UpBlock2D"])");
  config = replaced(replaced(config, "\"sample_size\": 32", "\"sample_size\": 256"),
                    "\"in_channels\": 3", "\"in_channels\": 3, \"dropout\": 0.0");
  std::string scheduler = replaced(kScheduler, "\"linear\"", "\"scaled_linear\"");
  scheduler =
      replaced(scheduler, "\"clip_sample\"", "\"prediction_type\": \"v_prediction\", \"c\"");
  const ModelConfig c = loadDiffusersConfig(writeModelFolder(dir, "church", config, scheduler));
  EXPECT_EQ(c.model.ch, 128);
  EXPECT_EQ(c.model.chMult, (std::vector<int>{1, 1, 2, 2, 4, 4}));
  EXPECT_EQ(c.model.attnResolutions, (std::vector<int>{16}));
  EXPECT_EQ(c.model.resolution, 256);
  EXPECT_EQ(c.model.dropout, 0.0);
  EXPECT_EQ(c.diffusion.betaSchedule, BetaSchedule::kQuad);
  EXPECT_EQ(c.diffusion.predictionType, PredictionType::kV);
}

TEST(DiffusersNamesTest, InexpressibleConfigsThrowNamingTheField) {
  const std::pair<std::pair<const char*, const char*>, const char*> cases[] = {
      {{"\"flip_sin_to_cos\": false", "\"flip_sin_to_cos\": true"}, "flip_sin_to_cos"},
      {{"\"freq_shift\": 1,", ""}, "freq_shift"},  // absent: diffusers' default 0
      {{"\"norm_num_groups\": 32", "\"norm_num_groups\": 16"}, "norm_num_groups"},
      {{"\"norm_eps\": 1e-06", "\"norm_eps\": 1e-05"}, "norm_eps"},
      {{"\"downsample_padding\": 0", "\"downsample_padding\": 1"}, "downsample_padding"},
      {{"\"attention_head_dim\": null", "\"attention_head_dim\": 8"}, "attention_head_dim"},
      {{"\"AttnDownBlock2D\"", "\"CrossAttnDownBlock2D\""}, "down_block_types"},
      {{"\"AttnUpBlock2D\", \"UpBlock2D\"]", "\"UpBlock2D\", \"AttnUpBlock2D\"]"},
       "up_block_types"},
      {{"[128, 256, 256, 256]", "[128, 192, 256, 256]"}, "block_out_channels"},
      {{"[128, 256, 256, 256]", "[128, 256, 256]"}, "down_block_types"},
      {{"\"sample_size\": 32", "\"sample_size\": 30"}, "sample_size"},
      {{"\"sample_size\": 32", "\"sample_size\": null"}, "sample_size"},
      {{"\"act_fn\": \"silu\"", "\"act_fn\": \"gelu\""}, "act_fn"},
      {{"\"UNet2DModel\"", "\"UNet2DConditionModel\""}, "_class_name"},
      {{"\"in_channels\": 3", "\"in_channels\": 3, \"resnet_time_scale_shift\": \"scale_shift\""},
       "resnet_time_scale_shift"},
      {{"\"in_channels\": 3", "\"in_channels\": 3, \"class_embed_type\": \"timestep\""},
       "class_embed_type"},
      {{"\"in_channels\": 3", "\"in_channels\": 3, \"new_option\": 2"}, "new_option"},
      {{"\"in_channels\": 3", "\"in_channels\": \"three\""}, "in_channels"},
      {{"\"layers_per_block\": 2,", "\"layers_per_block\": 2"}, "JSON"},
  };
  ScratchDir dir;
  for (const auto& [edit, field] : cases) {
    const std::string folder =
        writeModelFolder(dir, "m", replaced(kCifarConfig, edit.first, edit.second));
    try {
      (void)loadDiffusersConfig(folder);
      ADD_FAILURE() << "accepted " << edit.second;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
    }
  }
}

TEST(DiffusersNamesTest, BadSchedulerOrMissingConfigThrows) {
  ScratchDir dir;
  const std::string folder =
      writeModelFolder(dir, "m", kCifarConfig, replaced(kScheduler, "\"linear\"", "\"exotic\""));
  try {
    (void)loadDiffusersConfig(folder);
    ADD_FAILURE() << "accepted beta_schedule exotic";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("beta_schedule"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scheduler_config.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)loadDiffusersConfig(dir.file("nothing-here")), Error);
}

}  // namespace
}  // namespace ddim
