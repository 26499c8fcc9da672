#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

#include "diffusion/denoiser.h"
#include "diffusion/inversion.h"
#include "diffusion/run_control.h"
#include "diffusion/sampler.h"
#include "diffusion/schedule.h"
#include "diffusion/timesteps.h"

namespace ddim {

/// How an edit brings the input down to its start timestep t0.
enum class EditNoise {
  kForward,  // q(x_t0 | x0) = alpha x0 + sigma z with z from the seed: varies with the seed
  kInvert,   // deterministic DDIM inversion up to t0: keeps the content
};

/// The two networks an edit runs. `sampling` denoises and may be guided
/// (LoadedModel::sampling(w)); `inversion` inverts the input for EditNoise::kInvert and should be
/// the model alone (LoadedModel::denoiser), so that the inverted trajectory decodes to the input.
/// Implicit from one Denoiser, which then does both, so that edits are called like sample().
struct EditDenoisers {
  EditDenoisers(const Denoiser& both) : sampling(both), inversion(both) {}  // NOLINT
  EditDenoisers(const Denoiser& denoise, const Denoiser& invert)
      : sampling(denoise), inversion(invert) {}
  Denoiser sampling;
  Denoiser inversion;
};

/// Options of strengthEdit and regenerateMasked.
///
/// Seeds: result item i (of B * count) draws all its noise (z, the per-step noise when eta > 0,
/// the resampling noise) from its own generator seeded `seed + i`, and z is its first draw, i.e.
/// seededNoise({1, C, H, W}, seed + i). So item k of a batch equals a run on that item alone with
/// seed + k, and `count` variations of one image are the single runs with seeds seed..seed+K-1.
struct EditOptions {
  /// SDEdit strength in [0, 1]: t0 = the largest t of the step sequence with t <= strength * T.
  /// 0 (or a strength below the sequence's first t) returns the input without a network call;
  /// a t0 at the top of the sequence starts from the seed's noise z itself, as sample() does, so
  /// that strength 1 with kForward is a fresh sample.
  double strength = 0.5;
  int steps = 20;  // of the whole sequence over T; the edit walks the part at or below t0
  SkipType skip = SkipType::kUniform;
  double eta = 0.0;  // DDIM Eq. 16 on the way down
  /// The way down: kDdim, or kDpmSolverPP2M (second order; eta 0 and no resampling).
  SamplerKind solver = SamplerKind::kDdim;
  EditNoise noise = EditNoise::kForward;
  /// kInvert: how to invert (method plain or exact, form, tolerance, iterations). Its steps and
  /// skip are not used: the inversion walks the edit's own sequence up to t0.
  InvertOptions inversion;
  uint64_t seed = 0;
  /// Variations: results per input image. With count > 1 the input must be one image; the
  /// result holds `count` items, item k seeded seed + k (kInvert inverts the image once).
  int count = 1;
  /// regenerateMasked only: RePaint resampling (Lugmayr et al. 2022). After each step from t to
  /// s, `resample` times: back to t with q(x_t | x_s), then the step again. Every step is
  /// resampled, the last one (to the clean image) included: (resample + 1) calls a step.
  int resample = 0;
  /// regenerateMasked only: the mask ramps from 0 at the kept region's edge to its value at this
  /// distance (pixels) inside the regenerated region; the kept region stays untouched.
  double featherPixels = 0.0;

  void validate(int numTimesteps) const;
};

/// What an edit did.
struct EditReport {
  int64_t startTimestep = -1;  // t0; -1 when the input was returned as it was
  int steps = 0;               // steps down from t0
  int networkCalls = 0;        // inversion and denoising
  InversionReport inversion;   // kInvert
};

/// The start timestep t0 for these options (see EditOptions::strength), -1 for none.
[[nodiscard]] int64_t editStartTimestep(const EditOptions& options, int numTimesteps);

/// The part of the step sequence an edit walks: ascending, every t <= t0 (empty for none).
[[nodiscard]] std::vector<int64_t> editTimesteps(const EditOptions& options, int numTimesteps);

/// Network calls of an edit with these options: the inversion's (kInvert; with exact inversion
/// the most it may make, 1 + maxIterations a step) plus (resample + 1) a step on the way down.
/// 0 when t0 = -1.
[[nodiscard]] int countEditCalls(const EditOptions& options, int numTimesteps);

/// The `total` an edit's control.onStep counts to: inversion steps (kInvert), then
/// (resample + 1) a step on the way down. Equals countEditCalls except with exact inversion.
[[nodiscard]] int countEditSteps(const EditOptions& options, int numTimesteps);

/// Noise for `count` items whose item i is seededNoise(itemShape with batch 1, seed + i):
/// itemShape is [C, H, W]; returns [count, C, H, W] float32 on `device`.
[[nodiscard]] at::Tensor itemNoise(int64_t count, const std::vector<int64_t>& itemShape,
                                   uint64_t seed, const c10::Device& device);

/// Forward noising q(x_t | x0) (DDPM Eq. 4): alpha_t x0 + sigma_t z, z = itemNoise(B, ..., seed),
/// for x0 [B, C, H, W] in model space; same shape, dtype and device. t in 0..T-1.
[[nodiscard]] at::Tensor forwardNoise(const NoiseSchedule& schedule, const at::Tensor& x0,
                                      int64_t t, uint64_t seed);

/// Feathers a regeneration mask [N, 1, H, W] in [0, 1]: each value is scaled by
/// min(1, d / radius), d the distance in pixels to the nearest pixel with value 0 (none: no
/// change). Zeros stay zero, so a kept region is kept exactly. radius 0 returns the mask.
[[nodiscard]] at::Tensor featherMask(const at::Tensor& mask, double radius);

/// SDEdit (Meng et al. 2021): x0 ([B, C, H, W] float, model space [-1, 1], on the denoisers'
/// device) brought to t0 by forward noise or inversion, then DDIM (options.eta) down the step
/// sequence at or below t0. Returns [B * count, C, H, W], model space, unclamped, x0's dtype and
/// device. control.onStep counts inversion steps, then every call on the way down, with the
/// predicted x0 (the inversion's: one per input image; then one per result); the cancel token is
/// checked before every network call (ddim::Cancelled). Bad options or shapes throw ddim::Error.
[[nodiscard]] at::Tensor strengthEdit(const EditDenoisers& denoisers, const NoiseSchedule& schedule,
                                      const at::Tensor& x0, const EditOptions& options,
                                      const RunControl& control = {}, EditReport* report = nullptr);

/// Masked regeneration (inpainting with an unconditional model): mask [1 or B, 1, H, W] in
/// [0, 1], 1 = regenerate, 0 = keep, feathered by options.featherPixels. From t0 (strength 1:
/// the top, the whole region new; less: the region is SDEdited), every step from t to s is
///   x_s = m * DDIM_step(x_t) + (1 - m) * known_s,
/// known_s = the input's own trajectory at s: alpha_s x0 + sigma_s z (kForward, z the item's
/// seeded noise) or the saved inversion trajectory (kInvert; the regenerated region then starts
/// from the seed's forward noise, as it would otherwise decode to the input). known_{-1} = x0,
/// so where m = 0 the result is the input exactly. With options.resample J, every step is redone
/// J times after going back to t with q(x_t | x_s) (RePaint). The previews (onStep) show the
/// predicted x0 inside the mask and the input outside. Same result shape and errors as
/// strengthEdit; a mask of the wrong shape, outside [0, 1] or all zero throws ddim::Error.
[[nodiscard]] at::Tensor regenerateMasked(const EditDenoisers& denoisers,
                                          const NoiseSchedule& schedule, const at::Tensor& x0,
                                          const at::Tensor& mask, const EditOptions& options,
                                          const RunControl& control = {},
                                          EditReport* report = nullptr);

}  // namespace ddim
