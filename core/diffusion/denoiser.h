#pragma once

#include <ATen/core/Tensor.h>

#include <functional>

#include "model/model_config.h"

namespace ddim {

/// The seam between sampler math and the network: x: [B, C, H, W] float, t: [B] float holding the
/// raw timestep index 0..T-1; returns the raw network output with the shape of x.
using EpsFn = std::function<at::Tensor(const at::Tensor& x, const at::Tensor& t)>;

/// A network plus what its output means (diffusers' `prediction_type`).
struct Denoiser {
  EpsFn net;
  PredictionType prediction = PredictionType::kEps;
};

/// Autoguidance (Karras et al. 2024): a denoiser whose output is
/// guide + weight * (model - guide), the same affine combination of eps, x0 or v, so the
/// sampler's conversions apply unchanged. weight 1 is `model` alone, 0 is `guide` alone. Both must
/// predict the same quantity (throws ddim::Error otherwise). Two network calls per step.
[[nodiscard]] Denoiser guidedDenoiser(const Denoiser& model, const Denoiser& guide, double weight);

struct EpsAndX0 {
  at::Tensor eps;
  at::Tensor x0;
};

/// Converts a network output at cumulative alpha `alphaBar` into (eps, x0) (ddim-facts.md §3).
[[nodiscard]] EpsAndX0 toEpsAndX0(const at::Tensor& output, const at::Tensor& x, double alphaBar,
                                  PredictionType prediction);

}  // namespace ddim
