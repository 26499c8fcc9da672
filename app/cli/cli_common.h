#pragma once

#include <ATen/core/Tensor.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "diffusion/inversion.h"
#include "diffusion/sampler.h"
#include "diffusion/timesteps.h"
#include "io/image_io.h"
#include "model/model_loader.h"
#include "tasks/latents.h"

namespace ddim::cli {

/// A mistake in how the command was called: exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The options every model command takes: --model DIR | --config C --weights W, --guide-model,
/// --device, --precision, --threads, --quiet.
struct ModelArgs {
  std::optional<std::string> folder;
  std::optional<std::string> config;
  std::optional<std::string> weights;
  std::optional<std::string> guideFolder;
  std::string device = "auto";
  std::string precision = "auto";
  int threads = 0;
  bool quiet = false;
};

void addModelOptions(CLI::App& command, ModelArgs& args);

/// --exact, --tolerance, --iterations: exact inversion (InversionMethod::kExact).
void addExactInversionOptions(CLI::App& command, InvertOptions& options);

/// For exact inversion: one line on stdout with the calls a step and the largest residual, and a
/// warning on stderr when a step did not converge. Nothing for the paper's inversion.
void reportInversion(const InversionReport& report, const InvertOptions& options);

/// Applies --threads and parses --device.
[[nodiscard]] c10::Device deviceFromArgs(const ModelArgs& args);

/// Loads the model named by --model or --config/--weights (else the bundled default) on --device,
/// with --guide-model as its guide, in --precision. Prints what was loaded unless --quiet.
[[nodiscard]] LoadedModel loadModelFromArgs(const ModelArgs& args);

/// --guidance W, in [0, 20]; `help` says what its absence means.
void addGuidanceOption(CLI::App& command, std::optional<double>& weight,
                       const std::string& help =
                           "guide + W (model - guide), in [0, 20] (default: "
                           "the model's own; 1, the model alone, without "
                           "a guide)");

/// The guidance weight to sample with: `weight`, else the model's default (1 without a guide).
/// A weight other than 1 for a model without a guide is a usage error.
[[nodiscard]] double guidanceFor(const std::optional<double>& weight, const LoadedModel& model);

/// --skip uniform|quad|trailing|linspace|leading|logsnr (core's parseSkipType); `skip` holds the
/// default.
void addSkipOption(CLI::App& command, SkipType& skip, const std::string& name = "--skip",
                   const std::string& help = "step schedule (default uniform)");

/// --solver ddim|dpm++2m (SamplerKind::kDdim or kDpmSolverPP2M), default ddim.
void addSolverOption(CLI::App& command, SamplerKind& kind);

/// --eta E in [0, 1], --skip, --clip, --solver: the sampler options sample and compare share.
void addSamplerOptions(CLI::App& command, SampleOptions& options);

/// Where the initial noise comes from: --noise X.npy, or --seed N (which also seeds the per-step
/// noise when eta > 0).
struct NoiseArgs {
  std::optional<std::string> file;
  std::optional<uint64_t> seed;
};

void addNoiseOptions(CLI::App& command, NoiseArgs& args);

/// Usage error unless --noise or --seed was given.
void requireNoiseSource(const NoiseArgs& args);

/// The initial noise on the model's device: --noise read for the model (as many latents as
/// `count` allows), else `seeded` latents from --seed.
[[nodiscard]] at::Tensor initialNoise(const LoadedModel& model, const NoiseArgs& args,
                                      LatentCount count, int64_t seeded);

/// The seed of the per-step noise: different from the initial noise's.
[[nodiscard]] uint64_t stepNoiseSeed(const NoiseArgs& args);

/// Integer values >= min, in decimal ("must be >= 1, got 0").
[[nodiscard]] CLI::Validator atLeast(int64_t min);

/// Numbers in [lo, hi] ("must be in [0, 1], got 2").
[[nodiscard]] CLI::Validator inRange(double lo, double hi);

/// Whether the path ends with `extension` (".png"), case-insensitive.
[[nodiscard]] bool hasExtension(const std::string& path, const std::string& extension);

/// The images of a model-space batch [B, C, H, W].
[[nodiscard]] std::vector<Rgb8Image> tilesOf(const at::Tensor& batch);

}  // namespace ddim::cli
