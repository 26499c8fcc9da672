#pragma once

#include <ATen/core/Tensor.h>

#include "denoiser.h"
#include "run_control.h"
#include "schedule.h"
#include "timesteps.h"

namespace ddim {

/// Where the noise prediction of each inversion step is evaluated.
enum class InversionForm {
  kEuler,        // at the current t (paper Sec. 5.4); the first step, from the clean image, uses
                 // the sequence's first t because the network is never evaluated at t = -1
  kDestination,  // at the destination t (diffusers' inverse scheduler, null-text inversion)
};

struct InvertOptions {
  int steps = 50;
  SkipType skip = SkipType::kUniform;
  InversionForm form = InversionForm::kEuler;
  void validate(int numTimesteps) const;
};

/// Deterministic DDIM inversion (eta = 0, no clipping): walks the same sequence `sample` walks,
/// upward, from the clean image x0 ([B, C, H, W], model space [-1, 1]) to the latent at the
/// sequence's largest t. Makes as many network calls as sampling with the same steps and skip.
[[nodiscard]] at::Tensor invert(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                const at::Tensor& x0, const InvertOptions& options,
                                const RunControl& control = {});

}  // namespace ddim
