#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "diffusion/denoiser.h"
#include "diffusion/run_control.h"
#include "diffusion/sampler.h"
#include "diffusion/schedule.h"
#include "io/image_io.h"

namespace ddim {

/// One step count of a comparison.
struct CompareEntry {
  int steps = 0;
  at::Tensor image;  // [1, C, H, W] model space, CPU
  double seconds = 0;
  bool isReference = false;  // the highest step count, which the others are measured against
  ImageError toReference;    // against the reference (mse 0, psnr inf for the reference itself)
};

/// The step counts a comparison runs: sorted, duplicates removed; ddim::Error when empty or any
/// is < 1.
[[nodiscard]] std::vector<int> compareStepList(std::vector<int> counts);

/// Network calls of compareSteps over these counts with `base`'s other options.
[[nodiscard]] int compareCalls(const std::vector<int>& counts, const SampleOptions& base,
                               int numTimesteps);

/// Samples the latent z ([1, C, H, W]) once per step count (compareStepList(counts)), every other
/// option from `base` (its `steps` is ignored), and measures each result against the one with the
/// most steps (paper Sec. 5.2: the same x_T keeps its high-level features). `control.onStep`
/// counts over all runs (1..compareCalls); `onEntry` is called as each run finishes (its
/// `toReference` is not known yet then).
[[nodiscard]] std::vector<CompareEntry> compareSteps(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& z,
    const SampleOptions& base, const std::vector<int>& counts, const RunControl& control = {},
    const std::function<void(const CompareEntry&)>& onEntry = {});

}  // namespace ddim
