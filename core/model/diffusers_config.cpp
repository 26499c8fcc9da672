// loadDiffusersConfig (declared in diffusers_names.h): diffusers UNet2DModel config -> ModelConfig.
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "errors.h"
#include "io/atomic_file.h"
#include "io/json_nesting.h"
#include "model/diffusers_names.h"

namespace ddim {
namespace {

using Json = nlohmann::json;

Json parseJsonFile(const std::string& path) {
  const std::string text = readFileBytes(path);
  checkJsonNesting(text, path);
  try {
    Json j = Json::parse(text);
    if (!j.is_object()) throw Error(path + ": expected a JSON object");
    return j;
  } catch (const Json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

// Reads fields with diffusers' defaults for absent ones (a missing key means the library default,
// which for several fields differs from the official network) and remembers what was read.
class Fields {
 public:
  Fields(Json json, std::string path) : json_(std::move(json)), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(path_ + ": field '" + key + "' " + what);
  }
  Json get(const std::string& key, const Json& fallback) {
    used_.insert(key);
    const auto it = json_.find(key);
    return it == json_.end() ? fallback : *it;
  }
  int64_t integer(const std::string& key, int64_t fallback) {
    const Json v = get(key, fallback);
    if (!v.is_number_integer()) fail(key, "must be an integer, found " + v.dump());
    return v.get<int64_t>();
  }
  double number(const std::string& key, double fallback) {
    const Json v = get(key, fallback);
    if (!v.is_number()) fail(key, "must be a number, found " + v.dump());
    return v.get<double>();
  }
  std::vector<std::string> strings(const std::string& key, const Json& fallback) {
    const Json v = get(key, fallback);
    std::vector<std::string> out;
    if (!v.is_array()) fail(key, "must be a list of strings, found " + v.dump());
    for (const auto& s : v) {
      if (!s.is_string()) fail(key, "must be a list of strings, found " + v.dump());
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  /// The field must equal `expected`; `why` says what the official network does instead.
  void require(const std::string& key, const Json& expected, const Json& fallback,
               const std::string& why) {
    const Json v = get(key, fallback);
    const bool equal = v.is_number() && expected.is_number()
                           ? std::abs(v.get<double>() - expected.get<double>()) <=
                                 1e-9 * std::abs(expected.get<double>())
                           : v == expected;
    if (!equal) {
      fail(key, "is " + v.dump() + (json_.contains(key) ? "" : " (diffusers default)") +
                    "; the official network needs " + expected.dump() + " (" + why + ")");
    }
  }
  /// Fields never read that carry a value are architecture options we cannot honour.
  void rejectUnknown() const {
    for (const auto& [key, value] : json_.items()) {
      if (!key.empty() && key[0] != '_' && !used_.count(key) && !value.is_null()) {
        fail(key, "(" + value.dump() + ") is not supported by the official architecture");
      }
    }
  }
  [[nodiscard]] bool has(const std::string& key) const { return json_.contains(key); }

 private:
  Json json_;
  std::string path_;
  std::set<std::string> used_;
};

void readScheduler(const std::string& path, DiffusionConfig& d) {
  Fields f(parseJsonFile(path), path);
  const Json& schedule = f.get("beta_schedule", "linear");
  const std::string s = schedule.is_string() ? schedule.get<std::string>() : schedule.dump();
  if (s == "linear") {
    d.betaSchedule = BetaSchedule::kLinear;
  } else if (s == "scaled_linear") {  // linspace(sqrt(start), sqrt(end))^2: the official "quad"
    d.betaSchedule = BetaSchedule::kQuad;
  } else if (s == "squaredcos_cap_v2") {
    d.betaSchedule = BetaSchedule::kCosine;
  } else if (s == "sigmoid") {
    d.betaSchedule = BetaSchedule::kSigmoid;
  } else {
    f.fail("beta_schedule", "'" + s +
                                "' is not supported (linear, scaled_linear, "
                                "squaredcos_cap_v2 or sigmoid)");
  }
  d.betaStart = f.number("beta_start", 0.0001);
  d.betaEnd = f.number("beta_end", 0.02);
  const int64_t steps = f.integer("num_train_timesteps", 1000);
  if (steps < 1 || steps > 1000000) f.fail("num_train_timesteps", "must be in [1, 1e6]");
  d.numTimesteps = static_cast<int>(steps);
  if (!f.get("trained_betas", nullptr).is_null()) {
    f.fail("trained_betas", "(explicit betas) is not supported");
  }
  const Json& prediction = f.get("prediction_type", "epsilon");
  if (prediction == "epsilon") {
    d.predictionType = PredictionType::kEps;
  } else if (prediction == "v_prediction") {
    d.predictionType = PredictionType::kV;
  } else if (prediction == "sample") {
    d.predictionType = PredictionType::kX0;
  } else {
    f.fail("prediction_type", prediction.dump() + " is not epsilon, v_prediction or sample");
  }
}

}  // namespace

ModelConfig loadDiffusersConfig(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir(folder);
  if (fs::is_regular_file(dir, ec)) dir = dir.parent_path();
  const std::string configPath = (dir / "config.json").string();
  if (!fs::is_regular_file(configPath, ec)) {
    throw Error(folder + ": no config.json (not a diffusers model folder)");
  }
  Fields f(parseJsonFile(configPath), configPath);
  const Json& cls = f.get("_class_name", "UNet2DModel");
  if (cls != "UNet2DModel")
    f.fail("_class_name", "is " + cls.dump() + ", expected \"UNet2DModel\"");

  f.require("time_embedding_type", "positional", "positional", "sinusoidal timestep embedding");
  f.require("flip_sin_to_cos", false, true, "sin before cos");
  f.require("freq_shift", 1, 0, "frequencies log(10000) / (half - 1)");
  f.require("downsample_padding", 0, 1, "pad right/bottom by one, then a 3x3 stride-2 conv");
  f.require("norm_eps", 1e-6, 1e-5, "GroupNorm eps 1e-6");
  f.require("norm_num_groups", 32, 32, "GroupNorm with 32 groups");
  f.require("act_fn", "silu", "silu", "swish activations");
  f.require("center_input_sample", false, false, "inputs used as given");
  f.require("mid_block_scale_factor", 1, 1, "unscaled middle block");
  f.require("resnet_time_scale_shift", "default", "default", "additive timestep projection");
  f.require("add_attention", true, true, "attention in the middle block");
  f.require("downsample_type", "conv", "conv", "strided-conv downsampling");
  f.require("upsample_type", "conv", "conv", "nearest upsampling then conv");
  f.require("class_embed_type", nullptr, nullptr, "no class conditioning");
  f.require("num_class_embeds", nullptr, nullptr, "no class conditioning");
  const Json& mid = f.get("mid_block_type", nullptr);
  if (!mid.is_null() && mid != "UNetMidBlock2D") f.fail("mid_block_type", "must be UNetMidBlock2D");
  f.get("num_train_timesteps", nullptr);  // only used by learned/fourier embeddings

  ModelConfig config;
  UNetConfig& m = config.model;
  const Json& sampleSize = f.get("sample_size", nullptr);
  int64_t size = 0;
  if (sampleSize.is_number_integer()) {
    size = sampleSize.get<int64_t>();
  } else if (sampleSize.is_array() && sampleSize.size() == 2 && sampleSize[0].is_number_integer() &&
             sampleSize[0] == sampleSize[1]) {
    size = sampleSize[0].get<int64_t>();
  } else {
    f.fail("sample_size", "must be a square image size, found " + sampleSize.dump());
  }
  if (size < 1 || size > 65536) f.fail("sample_size", "must be in [1, 65536]");
  m.resolution = config.imageSize = static_cast<int>(size);
  const int64_t inCh = f.integer("in_channels", 3);
  const int64_t outCh = f.integer("out_channels", 3);
  if (inCh < 1 || inCh > 4096) f.fail("in_channels", "must be in [1, 4096]");
  if (outCh < 1 || outCh > 4096) f.fail("out_channels", "must be in [1, 4096]");
  m.inChannels = config.channels = static_cast<int>(inCh);
  m.outCh = static_cast<int>(outCh);
  const int64_t layers = f.integer("layers_per_block", 2);
  if (layers < 1 || layers > 64) f.fail("layers_per_block", "must be in [1, 64]");
  m.numResBlocks = static_cast<int>(layers);
  if (f.has("dropout")) {
    const double p = f.number("dropout", 0.0);
    if (!(p >= 0.0 && p < 1.0)) f.fail("dropout", "must be in [0, 1)");
    m.dropout = p;
  }
  m.resampWithConv = true;

  const Json& channels = f.get("block_out_channels", Json::array({224, 448, 672, 896}));
  if (!channels.is_array() || channels.empty()) f.fail("block_out_channels", "must be a list");
  std::vector<int64_t> boc;
  for (const auto& c : channels) {
    if (!c.is_number_integer() || c.get<int64_t>() < 1 || c.get<int64_t>() > 65536) {
      f.fail("block_out_channels", "must hold positive integers, found " + channels.dump());
    }
    boc.push_back(c.get<int64_t>());
  }
  m.ch = static_cast<int>(boc[0]);
  m.chMult.clear();
  for (const int64_t c : boc) {
    if (c % boc[0] != 0) {
      f.fail("block_out_channels", channels.dump() + " are not multiples of the first entry");
    }
    m.chMult.push_back(static_cast<int>(c / boc[0]));
  }
  const size_t levels = boc.size();
  if (levels > 16 || size % (int64_t{1} << (levels - 1)) != 0) {
    f.fail("sample_size", std::to_string(size) + " is not divisible by 2^" +
                              std::to_string(levels - 1) + " for " + std::to_string(levels) +
                              " levels");
  }

  const auto down = f.strings(
      "down_block_types",
      Json::array({"DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"}));
  const auto up =
      f.strings("up_block_types",
                Json::array({"AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"}));
  if (down.size() != levels)
    f.fail("down_block_types", "must have one entry per block_out_channels");
  if (up.size() != levels) f.fail("up_block_types", "must have one entry per block_out_channels");
  const Json& headDim = f.get("attention_head_dim", 8);
  const auto checkHeads = [&](int64_t channelsAtLevel) {
    if (!headDim.is_null() && headDim != channelsAtLevel) {
      f.fail("attention_head_dim", "is " + headDim.dump() +
                                       " (multi-head attention); the "
                                       "official network uses one head (null or the block width)");
    }
  };
  m.attnResolutions.clear();
  for (size_t i = 0; i < levels; ++i) {
    const bool attnDown = down[i] == "AttnDownBlock2D";
    if (!attnDown && down[i] != "DownBlock2D") {
      f.fail("down_block_types", "entry '" + down[i] + "' is not DownBlock2D or AttnDownBlock2D");
    }
    const std::string& u = up[levels - 1 - i];  // up_blocks run from the lowest resolution
    const bool attnUp = u == "AttnUpBlock2D";
    if (!attnUp && u != "UpBlock2D") {
      f.fail("up_block_types", "entry '" + u + "' is not UpBlock2D or AttnUpBlock2D");
    }
    if (attnUp != attnDown) {
      f.fail("up_block_types", "attention at up_blocks." + std::to_string(levels - 1 - i) +
                                   " must mirror down_blocks." + std::to_string(i));
    }
    if (attnDown) {
      checkHeads(boc[i]);
      m.attnResolutions.push_back(static_cast<int>(size >> i));
    }
  }
  checkHeads(boc.back());  // the middle block's attention
  const Json& attnGroups = f.get("attn_norm_num_groups", nullptr);
  if (!attnGroups.is_null() && attnGroups != 32) f.fail("attn_norm_num_groups", "must be 32");
  const Json& tembDim = f.get("time_embedding_dim", nullptr);
  if (!tembDim.is_null() && tembDim != 4 * boc[0]) f.fail("time_embedding_dim", "must be 4 * ch");
  f.rejectUnknown();

  const std::string schedulerPath = (dir / "scheduler_config.json").string();
  if (fs::is_regular_file(schedulerPath, ec)) readScheduler(schedulerPath, config.diffusion);
  config.name =
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  try {
    config.validate();
  } catch (const Error& e) {
    throw Error(configPath + ": " + e.what());
  }
  return config;
}

}  // namespace ddim
