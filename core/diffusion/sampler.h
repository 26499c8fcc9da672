#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "diffusion/denoiser.h"
#include "diffusion/run_control.h"
#include "diffusion/schedule.h"
#include "diffusion/timesteps.h"

namespace ddim {

enum class SamplerKind {
  kDdim,      // generalized DDIM step with eta (Eq. 12 / 16)
  kSigmaHat,  // the paper's sigma-hat DDPM variant (official `ddpm_steps`)
};

struct SampleOptions {
  int steps = 50;
  double eta = 0.0;
  SkipType skip = SkipType::kUniform;
  SamplerKind kind = SamplerKind::kDdim;
  bool clipX0 = false;     // off by default, as in the official code
  uint64_t noiseSeed = 0;  // seeds the per-step noise when eta > 0 (and for sigma-hat)
  void validate(int numTimesteps) const;
};

/// Runs the reverse process from xT ([B, C, H, W], float32, on the network's device) down to
/// t = -1 over the step sequence; returns x0 in model space, unclamped, same shape as xT.
/// Throws ddim::Cancelled when control.cancel is set before a network call.
[[nodiscard]] at::Tensor sample(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                const at::Tensor& xT, const SampleOptions& options,
                                const RunControl& control = {});

/// Number of network evaluations `sample` makes for these options.
[[nodiscard]] int countNetworkCalls(const SampleOptions& options, int numTimesteps);

}  // namespace ddim
