#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ddim {

/// The official U-Net's `model:` section (ermongroup/ddim configs/*.yml) plus the data resolution.
struct UNetConfig {
  int ch = 128;
  int outCh = 3;
  std::vector<int> chMult = {1, 2, 2, 2};
  int numResBlocks = 2;
  std::vector<int> attnResolutions = {16};
  double dropout = 0.1;
  int inChannels = 3;
  int resolution = 32;
  bool resampWithConv = true;
  /// Validates once; throws ddim::Error naming the field.
  void validate() const;
};

enum class BetaSchedule { kLinear, kQuad, kConst, kJsd, kSigmoid, kCosine };
enum class PredictionType { kEps, kV, kX0 };

struct DiffusionConfig {
  BetaSchedule betaSchedule = BetaSchedule::kLinear;
  double betaStart = 1e-4;
  double betaEnd = 0.02;
  int numTimesteps = 1000;
  PredictionType predictionType = PredictionType::kEps;
};

/// Autoguidance (Karras et al. 2024, "Guiding a Diffusion Model with a Bad Version of Itself"):
/// a weaker model of the same data (smaller, trained for less) whose prediction sampling
/// extrapolates away from: out = guide + weight * (model - guide). The project's own section
/// `guidance: {model: DIR, weight: W}`; the official configs have none.
struct GuidanceConfig {
  std::string model;    // the guide's model folder, relative to the config's folder; empty: none
  double weight = 1.0;  // the default weight; 1 samples with the model alone
};

/// Everything needed to build a model and its schedule: the structure of the official YAML files.
struct ModelConfig {
  UNetConfig model;
  DiffusionConfig diffusion;
  GuidanceConfig guidance;
  int imageSize = 32;
  int channels = 3;
  std::string name;  // shown to the user; defaults to the config file's stem
  void validate() const;
};

/// Parses an official-style YAML config (or the same structure in JSON). Unknown or inconsistent
/// fields throw ddim::Error naming the file and the field.
[[nodiscard]] ModelConfig loadModelConfig(const std::string& path);
[[nodiscard]] ModelConfig parseModelConfig(const std::string& text, const std::string& sourceName);
/// Writes the config as YAML in the official layout (atomic).
void saveModelConfig(const ModelConfig& config, const std::string& path);
[[nodiscard]] std::string modelConfigToYaml(const ModelConfig& config);

[[nodiscard]] std::string toString(BetaSchedule s);
[[nodiscard]] std::string toString(PredictionType p);
[[nodiscard]] BetaSchedule parseBetaSchedule(const std::string& s);
[[nodiscard]] PredictionType parsePredictionType(const std::string& s);

}  // namespace ddim
