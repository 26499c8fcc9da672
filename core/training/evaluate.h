#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "diffusion/denoiser.h"
#include "diffusion/inversion.h"
#include "diffusion/run_control.h"
#include "diffusion/schedule.h"
#include "diffusion/timesteps.h"
#include "training/frechet.h"

namespace ddim {

/// One column of the paper's Table 2: encode (DDIM inversion) then decode (eta = 0) with S steps
/// each way; per-dimension MSE with pixels in [0, 1] (the decoded image clamped), and the PSNR of
/// that mean MSE.
struct ReconstructionRow {
  int steps = 0;
  int images = 0;
  double mse = 0;
  double psnr = 0;
  double worstPsnr = 0;     // of the image reconstructed worst
  double callsPerStep = 0;  // network calls of the inversion a step (1 for the paper's)
  double seconds = 0;
};

/// images: [N, C, H, W] model space [-1, 1] on the network's device; one row per entry of `steps`;
/// `onRow` is called after each row (for progress output).
[[nodiscard]] std::vector<ReconstructionRow> evaluateReconstruction(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& images,
    const std::vector<int>& steps, SkipType skip, int batchSize, const RunControl& control = {},
    const std::function<void(const ReconstructionRow&)>& onRow = {});
/// The same with any inversion (`inversion.steps` is replaced by each entry of `steps`), e.g.
/// exact inversion (InversionMethod::kExact).
[[nodiscard]] std::vector<ReconstructionRow> evaluateReconstruction(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& images,
    const std::vector<int>& steps, const InvertOptions& inversion, int batchSize,
    const RunControl& control = {},
    const std::function<void(const ReconstructionRow&)>& onRow = {});

/// One cell of the paper's Table 1 form.
struct SampleQualityCell {
  std::string sampler;  // "eta = 0", "eta = 0.5", "eta = 1", "sigma-hat", "DPM-Solver++(2M)"
  double eta = 0;
  bool sigmaHat = false;
  bool dpmSolver = false;  // DPM-Solver++(2M) (eta 0)
  int steps = 0;
  double fd = 0;
  double seconds = 0;
};

struct SampleQualityOptions {
  std::vector<int> steps = {10, 20, 50, 100};
  std::vector<double> etas = {0.0, 0.5, 1.0};
  bool sigmaHat = true;
  /// S of the DPM-Solver++(2M) row (same x_T as the others); empty: no such row.
  std::vector<int> dpmSolverSteps = {10, 20};
  /// The DPM-Solver++(2M) row's step schedule: logsnr, where it gains most over DDIM.
  SkipType dpmSolverSkip = SkipType::kLogSnr;
  int numSamples = 1000;
  int batchSize = 250;
  uint64_t seed = 0;  // x_T of sample i is the same in every cell (common random numbers)
  SkipType skip = SkipType::kUniform;
};

/// Frechet distance between `numSamples` samples (clamped to [-1, 1]) and `reference`, for every
/// (sampler, S) pair; `features` must already be normalised to the reference set.
/// `onCell` is called after each cell (for progress output).
[[nodiscard]] std::vector<SampleQualityCell> evaluateSampleQuality(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const FrechetFeatures& features,
    const GaussianStats& reference, int channels, int size, const c10::Device& device,
    const SampleQualityOptions& options, const RunControl& control = {},
    const std::function<void(const SampleQualityCell&)>& onCell = {});

/// Markdown tables in the layout of the paper's tables. `detailed` adds the worst image's PSNR
/// and the inversion's network calls a step (for exact inversion).
[[nodiscard]] std::string reconstructionTable(const std::vector<ReconstructionRow>& rows,
                                              bool detailed = false);
[[nodiscard]] std::string sampleQualityTable(const std::vector<SampleQualityCell>& cells);

}  // namespace ddim
