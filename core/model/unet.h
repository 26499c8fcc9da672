#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <atomic>
#include <memory>

#include "model/model_config.h"
#include "model/precision.h"

namespace ddim {

/// Sinusoidal timestep embedding of the official code: t: [B] (raw indices, any device; integer
/// dtypes are read as float32) -> [B, dim] in t's floating dtype on t's device. Sin first, then
/// cos; one zero column appended when dim is odd. Needs dim >= 4 (the formula divides by dim/2 -
/// 1).
[[nodiscard]] torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim);

/// The official ermongroup/ddim U-Net (models/diffusion.py, class Model). Registered parameter
/// names equal the official state_dict keys, in the same order (ddim-facts.md §4, keymaps/).
/// Runs on whichever device and floating dtype its parameters were moved to.
class UNetImpl : public torch::nn::Module {
 public:
  /// Throws ddim::Error naming the field when the config cannot build a network (channel counts
  /// not divisible by the 32 GroupNorm groups, resolution not divisible by 2^(levels-1), ...).
  explicit UNetImpl(const UNetConfig& config);
  /// x: [B, in_channels, R, R] float, t: [B] float raw indices 0..T-1 (or one value for all)
  /// -> eps: [B, out_ch, R, R], same device and dtype as x. Dropout is active only in train().
  /// Runs in precision().
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);
  /// The same in `precision`: kBf16/kFp16 run the convolutions in that type (input cast down,
  /// output cast back to float32; weights converted once and cached), everything else in float32.
  /// Reduced precision applies to float32 inputs without autograd; kAuto is kFp32.
  torch::Tensor forwardIn(const torch::Tensor& x, const torch::Tensor& t, Precision precision);
  [[nodiscard]] const UNetConfig& config() const { return config_; }
  /// The precision forward() uses (kFp32 at construction). Resolve kAuto first (precision.h).
  void setPrecision(Precision precision) { precision_ = precision; }
  [[nodiscard]] Precision precision() const { return precision_; }

 private:
  UNetConfig config_;
  // Typed handles to the submodules, which are registered on this module under the official
  // names (temb, conv_in, down, mid, up, norm_out, conv_out); defined in unet.cpp.
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::atomic<Precision> precision_{Precision::kFp32};
};
TORCH_MODULE(UNet);

/// Number of scalar parameters (registered parameters, all submodules).
[[nodiscard]] int64_t parameterCount(torch::nn::Module& module);

}  // namespace ddim
