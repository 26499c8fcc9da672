#include "model/model_config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "diffusion/schedule.h"
#include "errors.h"
#include "io/atomic_file.h"

namespace ddim {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error(source + ": " + what);
}

void rejectUnknown(const YAML::Node& node, const std::set<std::string>& known,
                   const std::string& source, const std::string& section) {
  for (const auto& kv : node) {
    // A key can be any node in YAML ("? [a, b]: 1", "? {k: v}: 1"); fields are plain names.
    if (!kv.first.IsScalar())
      fail(source, "a key in section '" + section + "' at line " +
                       std::to_string(kv.first.Mark().line + 1) + " is not a plain name");
    const auto key = kv.first.as<std::string>();
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(source, "unknown field '" + section + "." + printable(key) + "' (known: " + list + ")");
    }
  }
}

template <typename T>
T read(const YAML::Node& section, const char* key, const T& fallback, const std::string& source,
       const std::string& sectionName) {
  const YAML::Node v = section[key];
  if (!v || v.IsNull()) return fallback;
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    fail(source, "field '" + sectionName + "." + key + "' has the wrong type");
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void UNetConfig::validate() const {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw Error("model config: " + what);
  };
  check(ch > 0, "model.ch must be > 0, got " + std::to_string(ch));
  check(outCh > 0, "model.out_ch must be > 0");
  check(inChannels > 0, "model.in_channels must be > 0");
  check(!chMult.empty(), "model.ch_mult must not be empty");
  for (int m : chMult) {
    check(m > 0, "model.ch_mult entries must be > 0");
    check((ch * m) % 32 == 0, "model.ch * ch_mult (" + std::to_string(ch * m) +
                                  ") must be a multiple of 32: GroupNorm uses 32 groups");
  }
  check(numResBlocks > 0, "model.num_res_blocks must be > 0");
  check(dropout >= 0 && dropout < 1, "model.dropout must be in [0, 1)");
  check(resolution > 0, "data.image_size must be > 0");
  const int downs = static_cast<int>(chMult.size()) - 1;
  check(downs < 31 && resolution % (1 << downs) == 0,
        "data.image_size " + std::to_string(resolution) + " must be divisible by 2^" +
            std::to_string(downs) + " (one halving per ch_mult level after the first)");
  for (int r : attnResolutions) {
    bool reachable = false;
    for (int i = 0, res = resolution; i <= downs; ++i, res /= 2) reachable |= (res == r);
    check(reachable, "model.attn_resolutions entry " + std::to_string(r) +
                         " is not a resolution the network visits");
  }
}

void ModelConfig::validate() const {
  model.validate();
  if (model.resolution != imageSize)
    throw Error("model config: model resolution " + std::to_string(model.resolution) +
                " != data.image_size " + std::to_string(imageSize));
  if (channels != model.inChannels)
    throw Error("model config: data.channels (" + std::to_string(channels) +
                ") != model.in_channels (" + std::to_string(model.inChannels) + ")");
  if (diffusion.numTimesteps <= 0 || diffusion.numTimesteps > kMaxTimesteps)
    throw Error("model config: diffusion.num_diffusion_timesteps must be in [1, " +
                std::to_string(kMaxTimesteps) + "], got " + std::to_string(diffusion.numTimesteps));
  if (diffusion.betaSchedule != BetaSchedule::kJsd &&
      diffusion.betaSchedule != BetaSchedule::kCosine) {
    if (!(diffusion.betaStart > 0 && diffusion.betaEnd > 0 &&
          diffusion.betaStart <= diffusion.betaEnd && diffusion.betaEnd < 1))
      throw Error("model config: need 0 < beta_start <= beta_end < 1");
  }
  if (!(std::isfinite(guidance.weight) && guidance.weight >= 0 && guidance.weight <= 20))
    throw Error("model config: guidance.weight must be in [0, 20]");
  try {
    (void)NoiseSchedule(diffusion);
  } catch (const Error& e) {
    throw Error(std::string("model config: diffusion: ") + e.what());
  }
}

std::string toString(BetaSchedule s) {
  switch (s) {
    case BetaSchedule::kLinear:
      return "linear";
    case BetaSchedule::kQuad:
      return "quad";
    case BetaSchedule::kConst:
      return "const";
    case BetaSchedule::kJsd:
      return "jsd";
    case BetaSchedule::kSigmoid:
      return "sigmoid";
    case BetaSchedule::kCosine:
      return "cosine";
  }
  return "?";
}

std::string toString(PredictionType p) {
  switch (p) {
    case PredictionType::kEps:
      return "epsilon";
    case PredictionType::kV:
      return "v_prediction";
    case PredictionType::kX0:
      return "sample";
  }
  return "?";
}

BetaSchedule parseBetaSchedule(const std::string& s) {
  const auto v = lower(s);
  if (v == "linear") return BetaSchedule::kLinear;
  if (v == "quad" || v == "scaled_linear") return BetaSchedule::kQuad;
  if (v == "const") return BetaSchedule::kConst;
  if (v == "jsd") return BetaSchedule::kJsd;
  if (v == "sigmoid") return BetaSchedule::kSigmoid;
  if (v == "cosine" || v == "squaredcos_cap_v2") return BetaSchedule::kCosine;
  throw Error("unknown beta schedule '" + printable(s) +
              "' (expected linear, quad, const, jsd, sigmoid or cosine)");
}

PredictionType parsePredictionType(const std::string& s) {
  const auto v = lower(s);
  if (v == "eps" || v == "epsilon") return PredictionType::kEps;
  if (v == "v" || v == "v_prediction") return PredictionType::kV;
  if (v == "x0" || v == "sample") return PredictionType::kX0;
  throw Error("unknown prediction type '" + printable(s) +
              "' (expected epsilon, v_prediction or sample)");
}

ModelConfig parseModelConfig(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(source, std::string("not valid YAML/JSON: ") + e.what());
  }
  if (!root.IsMap()) fail(source, "expected a mapping with 'model', 'data' and 'diffusion'");
  // The official files carry training and sampling sections too; they are accepted and ignored.
  rejectUnknown(root,
                {"data", "model", "diffusion", "training", "sampling", "optim", "name", "guidance"},
                source, "");
  const YAML::Node data = root["data"], diffusion = root["diffusion"];
  // A TorchScript model needs no 'model' section; the official defaults then apply.
  const YAML::Node model = root["model"] ? root["model"] : YAML::Node(YAML::NodeType::Map);
  if (model && !model.IsMap()) fail(source, "section 'model' must be a mapping");
  if (!data || !data.IsMap()) fail(source, "missing section 'data'");
  if (!diffusion || !diffusion.IsMap()) fail(source, "missing section 'diffusion'");

  rejectUnknown(
      model,
      {"type", "in_channels", "out_ch", "ch", "ch_mult", "num_res_blocks", "attn_resolutions",
       "dropout", "var_type", "ema_rate", "ema", "resamp_with_conv", "prediction_type"},
      source, "model");
  rejectUnknown(
      data,
      {"dataset", "image_size", "channels", "logit_transform", "uniform_dequantization",
       "gaussian_dequantization", "random_flip", "rescaled", "num_workers", "category", "path"},
      source, "data");
  rejectUnknown(
      diffusion,
      {"beta_schedule", "beta_start", "beta_end", "num_diffusion_timesteps", "prediction_type"},
      source, "diffusion");

  ModelConfig c;
  UNetConfig& m = c.model;
  m.ch = read<int>(model, "ch", m.ch, source, "model");
  m.outCh = read<int>(model, "out_ch", m.outCh, source, "model");
  m.chMult = read<std::vector<int>>(model, "ch_mult", m.chMult, source, "model");
  m.numResBlocks = read<int>(model, "num_res_blocks", m.numResBlocks, source, "model");
  m.attnResolutions =
      read<std::vector<int>>(model, "attn_resolutions", m.attnResolutions, source, "model");
  m.dropout = read<double>(model, "dropout", m.dropout, source, "model");
  m.inChannels = read<int>(model, "in_channels", m.inChannels, source, "model");
  m.resampWithConv = read<bool>(model, "resamp_with_conv", m.resampWithConv, source, "model");
  const auto modelType = read<std::string>(model, "type", "simple", source, "model");
  if (modelType != "simple")
    fail(source, "model.type '" + printable(modelType) + "' is not supported (only 'simple')");
  const auto varType = read<std::string>(model, "var_type", "fixedlarge", source, "model");
  if (varType != "fixedlarge" && varType != "fixedsmall")
    fail(source, "model.var_type '" + printable(varType) + "' is not supported");

  c.imageSize = read<int>(data, "image_size", c.imageSize, source, "data");
  c.channels = read<int>(data, "channels", m.inChannels, source, "data");
  m.resolution = c.imageSize;
  if (!model["in_channels"]) m.inChannels = c.channels;
  if (c.channels != m.inChannels)
    fail(source, "data.channels (" + std::to_string(c.channels) + ") != model.in_channels (" +
                     std::to_string(m.inChannels) + ")");
  if (read<bool>(data, "logit_transform", false, source, "data"))
    fail(source, "data.logit_transform true is not supported");
  if (!read<bool>(data, "rescaled", true, source, "data"))
    fail(source, "data.rescaled false is not supported (images must map to [-1, 1])");

  DiffusionConfig& d = c.diffusion;
  d.betaSchedule = parseBetaSchedule(
      read<std::string>(diffusion, "beta_schedule", toString(d.betaSchedule), source, "diffusion"));
  d.betaStart = read<double>(diffusion, "beta_start", d.betaStart, source, "diffusion");
  d.betaEnd = read<double>(diffusion, "beta_end", d.betaEnd, source, "diffusion");
  d.numTimesteps =
      read<int>(diffusion, "num_diffusion_timesteps", d.numTimesteps, source, "diffusion");
  std::string pred = read<std::string>(model, "prediction_type", "", source, "model");
  const std::string pred2 =
      read<std::string>(diffusion, "prediction_type", "", source, "diffusion");
  if (!pred.empty() && !pred2.empty() && parsePredictionType(pred) != parsePredictionType(pred2))
    fail(source, "model.prediction_type and diffusion.prediction_type disagree");
  if (pred.empty()) pred = pred2;
  try {
    if (!pred.empty()) d.predictionType = parsePredictionType(pred);
  } catch (const Error& e) {
    fail(source, e.what());
  }
  c.name =
      read<std::string>(root, "name", std::filesystem::path(source).stem().string(), source, "");
  if (const YAML::Node g = root["guidance"]) {
    if (!g.IsMap()) fail(source, "section 'guidance' must be a mapping");
    rejectUnknown(g, {"model", "weight"}, source, "guidance");
    c.guidance.model = read<std::string>(g, "model", "", source, "guidance");
    c.guidance.weight = read<double>(g, "weight", c.guidance.weight, source, "guidance");
    if (c.guidance.model.empty()) fail(source, "guidance.model is missing or empty");
  }
  try {
    c.validate();
  } catch (const Error& e) {
    fail(source, e.what());
  }
  return c;
}

ModelConfig loadModelConfig(const std::string& path) {
  ModelConfig c = parseModelConfig(readFileBytes(path), path);
  return c;
}

std::string modelConfigToYaml(const ModelConfig& c) {
  YAML::Emitter out;
  auto seq = [&](const std::vector<int>& v) {
    out << YAML::Flow << YAML::BeginSeq;
    for (int x : v) out << x;
    out << YAML::EndSeq;
  };
  out << YAML::BeginMap;
  if (!c.name.empty()) out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "image_size" << YAML::Value << c.imageSize;
  out << YAML::Key << "channels" << YAML::Value << c.channels;
  out << YAML::EndMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << "simple";
  out << YAML::Key << "in_channels" << YAML::Value << c.model.inChannels;
  out << YAML::Key << "out_ch" << YAML::Value << c.model.outCh;
  out << YAML::Key << "ch" << YAML::Value << c.model.ch;
  out << YAML::Key << "ch_mult" << YAML::Value;
  seq(c.model.chMult);
  out << YAML::Key << "num_res_blocks" << YAML::Value << c.model.numResBlocks;
  out << YAML::Key << "attn_resolutions" << YAML::Value;
  seq(c.model.attnResolutions);
  out << YAML::Key << "dropout" << YAML::Value << c.model.dropout;
  out << YAML::Key << "resamp_with_conv" << YAML::Value << c.model.resampWithConv;
  out << YAML::Key << "prediction_type" << YAML::Value << toString(c.diffusion.predictionType);
  out << YAML::EndMap;
  out << YAML::Key << "diffusion" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "beta_schedule" << YAML::Value << toString(c.diffusion.betaSchedule);
  out << YAML::Key << "beta_start" << YAML::Value << c.diffusion.betaStart;
  out << YAML::Key << "beta_end" << YAML::Value << c.diffusion.betaEnd;
  out << YAML::Key << "num_diffusion_timesteps" << YAML::Value << c.diffusion.numTimesteps;
  out << YAML::EndMap;
  if (!c.guidance.model.empty()) {
    out << YAML::Key << "guidance" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "model" << YAML::Value << c.guidance.model;
    out << YAML::Key << "weight" << YAML::Value << c.guidance.weight;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void saveModelConfig(const ModelConfig& config, const std::string& path) {
  writeFileAtomic(path, modelConfigToYaml(config));
}

}  // namespace ddim
