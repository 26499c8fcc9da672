#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

#include "diffusion/denoiser.h"
#include "diffusion/schedule.h"
#include "model/model_config.h"
#include "model/precision.h"
#include "model/state_dict.h"

namespace torch::nn {
class Module;
}

namespace ddim {

class UNetImpl;

/// Where a model comes from. Exactly one of: `folder` (one config + one weights file, or a
/// diffusers UNet2DModel folder, or a TorchScript file plus config), or `configPath` +
/// `weightsPath` (weights: .safetensors, .ckpt/.pt/.pth/.bin torch zip, or TorchScript .pt).
struct ModelSource {
  std::string folder;
  std::string configPath;
  std::string weightsPath;
};

enum class ModelFormat { kSafetensors, kTorchCheckpoint, kDiffusers, kTorchScript };

/// A model ready to run: eval mode, on its device, inference only.
struct LoadedModel {
  ModelConfig config;
  NoiseSchedule schedule;
  Denoiser denoiser;
  ModelFormat format = ModelFormat::kSafetensors;
  std::string name;         // for display
  std::string weightsPath;  // the file the weights came from
  int64_t parameterCount = 0;
  c10::Device device = c10::Device(c10::kCPU);
  std::shared_ptr<void> holder;    // keeps the network alive for `denoiser`
  std::shared_ptr<UNetImpl> unet;  // the network when it is this project's U-Net (not TorchScript)
  /// What `denoiser` (and the guide) run in, and why: fp32 until applyPrecision.
  PrecisionChoice precision;

  /// Autoguidance (config section `guidance`, or attachGuide): the guide's network, empty when
  /// the model has none, and the weight `sampling()` uses by default.
  Denoiser guide;
  std::shared_ptr<UNetImpl> guideUnet;  // the guide's network when it is this project's U-Net
  std::string guideName;
  std::string guideWeightsPath;
  int64_t guideParameterCount = 0;
  double guidance = 1.0;
  [[nodiscard]] bool hasGuide() const { return static_cast<bool>(guide.net); }
  /// The denoiser to sample with at guidance weight `weight`: the model itself at weight 1;
  /// throws ddim::Error for another weight when the model has no guide.
  [[nodiscard]] Denoiser sampling(double weight) const;
  /// The model alone with its network in float32 whatever `precision` says: for inversion,
  /// whose fixed-point and reconstruction errors are measured against float32.
  [[nodiscard]] Denoiser fullPrecision() const;
};

/// Resolves `requested` for the model's device (resolvePrecision) and makes the model and its
/// guide run in it; a TorchScript network stays fp32. The choice and its reason land in
/// model.precision.
void applyPrecision(LoadedModel& model, Precision requested);

/// Loads a model; every problem is a ddim::Error naming the file and what is wrong.
[[nodiscard]] LoadedModel loadModel(const ModelSource& source, const c10::Device& device);

/// Wraps a U-Net already on `device` as a loaded model (eval mode, inference): the denoiser, the
/// schedule from `config`, the parameter count; name and format as given.
[[nodiscard]] LoadedModel modelFromNetwork(const std::shared_ptr<UNetImpl>& net,
                                           const ModelConfig& config, const c10::Device& device,
                                           const std::string& name);

/// Makes `guide` the guide of `model` with default weight `weight`. The two must share image
/// size, channels, noise schedule and prediction type, and the guide must have no guide of its
/// own; otherwise throws ddim::Error naming `guide`'s weights file and the difference.
void attachGuide(LoadedModel& model, const LoadedModel& guide, double weight);

/// Copies `weights` into `module`'s parameters and buffers by name. Missing or unexpected keys,
/// wrong shapes or dtypes, and NaN or infinite values, throw ddim::Error naming the key (and the
/// expected and the found shape).
void loadStateDictInto(torch::nn::Module& module, const StateDict& weights,
                       const std::string& source);

/// Checks `weights` (real or meta tensors) against the names and shapes the U-Net of `config`
/// has, without building it; missing, unexpected or misshapen weights throw ddim::Error naming
/// `source` and the key, as loadStateDictInto does.
void checkWeightsFitConfig(const UNetConfig& config, const StateDict& weights,
                           const std::string& source);

/// The module's parameters and buffers as a state dict (CPU copies), for saving.
[[nodiscard]] StateDict stateDictOf(const torch::nn::Module& module);

/// The bundled default model folder: $DDIM_DEFAULT_MODEL if set, else models/emoji32 in
/// resourceDir() (io/resources.h).
[[nodiscard]] std::string defaultModelFolder();

[[nodiscard]] std::string toString(ModelFormat f);

}  // namespace ddim
