#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "diffusion/denoiser.h"
#include "diffusion/run_control.h"
#include "diffusion/schedule.h"
#include "diffusion/timesteps.h"

namespace ddim {

/// Where the noise prediction of each inversion step is evaluated.
enum class InversionForm {
  kEuler,        // at the current t (paper Sec. 5.4); the first step, from the clean image, uses
                 // the sequence's first t because the network is never evaluated at t = -1
  kDestination,  // at the destination t (diffusers' inverse scheduler, null-text inversion)
};

enum class InversionMethod {
  kPlain,  // the paper's: one network call a step, the noise prediction taken from where the
           // step starts (or its destination, see InversionForm)
  kExact,  // each step the exact inverse of the DDIM sampling step (eta = 0): solved by
           // Anderson-accelerated fixed-point iteration (Pan et al. 2023, AIDI)
};

struct InvertOptions {
  int steps = 50;
  SkipType skip = SkipType::kUniform;
  InversionForm form = InversionForm::kEuler;  // kPlain only
  InversionMethod method = InversionMethod::kPlain;
  /// kExact: a step has converged when the RMS (model space) of x_s - DDIM_step(x_t) is below
  /// `tolerance`; it stops there, after `maxIterations` network calls, or when two calls in a row
  /// do not improve it by 10 %. The defaults reach 42 dB mean PSNR at 10 steps on the bundled
  /// model with 3.8 calls a step (see its README).
  double tolerance = 5e-4;
  int maxIterations = 5;
  void validate(int numTimesteps) const;
};

/// How an inversion went. For kExact, residual = RMS over the batch (model space) of
/// x_s - DDIM_step(x_t) where the step would sample back; kPlain does not measure it (0).
struct InversionReport {
  int networkCalls = 0;
  int steps = 0;
  double worstResidual = 0;       // the largest step residual
  int stepsNotConverged = 0;      // kExact steps that stopped at maxIterations above tolerance
  std::vector<double> residuals;  // per step, in the order walked (kExact)
  [[nodiscard]] bool converged() const { return stepsNotConverged == 0; }
  [[nodiscard]] double callsPerStep() const { return steps ? double(networkCalls) / steps : 0; }
};

/// Deterministic DDIM inversion (eta = 0, no clipping): walks the same sequence `sample` walks,
/// upward, from the clean image x0 ([B, C, H, W], model space [-1, 1]) to the latent at the
/// sequence's largest t. kPlain makes as many network calls as sampling with the same steps and
/// skip; kExact makes at most maxIterations a step (and reports what it did in `report`), so that
/// sampling the latent with plain DDIM over the same sequence gives x0 back up to the residuals.
/// control.onStep counts steps (1..steps), not calls.
[[nodiscard]] at::Tensor invert(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                const at::Tensor& x0, const InvertOptions& options,
                                const RunControl& control = {}, InversionReport* report = nullptr);

/// `invert` along an explicit step sequence (ascending, each t in 0..T-1; options.steps and
/// options.skip are not used) that keeps every latent it passes: element k is the latent at
/// timesteps[k] ([B, C, H, W], x0's device), the last is what `invert` would return. For edits,
/// which invert only up to a start timestep and follow the input's trajectory on the way down.
/// An empty sequence gives an empty result without a network call.
[[nodiscard]] std::vector<at::Tensor> invertTrajectory(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& x0,
    const std::vector<int64_t>& timesteps, const InvertOptions& options,
    const RunControl& control = {}, InversionReport* report = nullptr);

}  // namespace ddim
