#pragma once

#include <chrono>
#include <string>

#include "cli_args.h"
#include "model_loader.h"
#include "run_control.h"
#include "timesteps.h"

namespace ddim::cli {

/// Loads the model named by --model or --config/--weights (else the bundled default) on --device,
/// after applying --threads. Prints what was loaded unless --quiet.
[[nodiscard]] LoadedModel loadModelFromArgs(const CliArgs& args);

/// The guidance weight to sample with: --guidance, else the model's default (1 without a guide).
/// A weight other than 1 for a model without a guide is a usage error.
[[nodiscard]] double guidanceFromArgs(const CliArgs& args, const LoadedModel& model);

/// Progress on stderr: "label  step/total  it/s  ETA"; silent when quiet.
class Progress {
 public:
  Progress(std::string label, bool quiet);
  [[nodiscard]] StepCallback callback();
  void update(int step, int total);
  void finish();

 private:
  std::string label_;
  bool quiet_;
  bool active_ = false;
  std::chrono::steady_clock::time_point start_;
};

/// Parses --skip; default uniform.
[[nodiscard]] SkipType skipFromArgs(const CliArgs& args);

/// Ends with ".png" (case-insensitive).
[[nodiscard]] bool isPngPath(const std::string& path);

/// A latent from a .npy file or, for any other file, an image inverted with the given steps.
[[nodiscard]] at::Tensor latentFromFileOrImage(const LoadedModel& model, const std::string& path,
                                               int steps, SkipType skip, bool quiet);

}  // namespace ddim::cli
