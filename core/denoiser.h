#pragma once

#include <ATen/core/Tensor.h>

#include <functional>

#include "model_config.h"

namespace ddim {

/// The seam between sampler math and the network: x: [B, C, H, W] float, t: [B] float holding the
/// raw timestep index 0..T-1; returns the raw network output with the shape of x.
using EpsFn = std::function<at::Tensor(const at::Tensor& x, const at::Tensor& t)>;

/// A network plus what its output means (diffusers' `prediction_type`).
struct Denoiser {
  EpsFn net;
  PredictionType prediction = PredictionType::kEps;
};

struct EpsAndX0 {
  at::Tensor eps;
  at::Tensor x0;
};

/// Converts a network output at cumulative alpha `alphaBar` into (eps, x0) (ddim-facts.md §3).
[[nodiscard]] EpsAndX0 toEpsAndX0(const at::Tensor& output, const at::Tensor& x, double alphaBar,
                                  PredictionType prediction);

}  // namespace ddim
