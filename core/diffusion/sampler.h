#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "diffusion/denoiser.h"
#include "diffusion/run_control.h"
#include "diffusion/schedule.h"
#include "diffusion/timesteps.h"

namespace ddim {

enum class SamplerKind {
  kDdim,           // generalized DDIM step with eta (Eq. 12 / 16)
  kSigmaHat,       // the paper's sigma-hat DDPM variant (official `ddpm_steps`)
  kDpmSolverPP2M,  // DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): deterministic, 2nd order
};

/// "ddim", "sigma-hat", "dpm++2m".
[[nodiscard]] std::string toString(SamplerKind kind);
/// Throws ddim::Error naming the value for an unknown name.
[[nodiscard]] SamplerKind parseSamplerKind(const std::string& name);

struct SampleOptions {
  int steps = 50;
  double eta = 0.0;  // DDIM only (dpm++2m is deterministic: eta must be 0)
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

/// DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2) in data-prediction form, one step at a time:
/// remembers the previous step's D and h for the second-order correction. lambda = log(alpha /
/// sigma). The first step, a step after a repeated timestep (h = 0) and the step to the clean
/// image (aNext = 1, where h is infinite and the result is D) are first order, i.e. DDIM.
class DpmSolverPP2M {
 public:
  /// x: x_t, d: D(x_t, t) (the predicted x0), both [B, C, H, W]; a = alpha-bar at t, aNext at
  /// the next (smaller) timestep. Returns x at the next timestep.
  [[nodiscard]] at::Tensor step(const at::Tensor& x, const at::Tensor& d, double a, double aNext);

 private:
  at::Tensor dPrev_;    // D of the previous step
  double hPrev_ = 0.0;  // its h
};

/// Number of network evaluations `sample` makes for these options.
[[nodiscard]] int countNetworkCalls(const SampleOptions& options, int numTimesteps);

}  // namespace ddim
