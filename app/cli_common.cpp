#include "cli_common.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "device.h"
#include "errors.h"
#include "image_io.h"
#include "inversion.h"
#include "npy.h"

namespace ddim::cli {

LoadedModel loadModelFromArgs(const CliArgs& args) {
  setCpuThreads(args.getInt("threads", 0));
  const c10::Device device = parseDevice(args.get("device", "auto"));
  ModelSource source;
  if (args.has("model")) {
    if (args.has("config") || args.has("weights"))
      throw UsageError("give --model or --config/--weights, not both");
    source.folder = args.get("model");
  } else if (args.has("config") || args.has("weights")) {
    source.configPath = args.require("config");
    source.weightsPath = args.require("weights");
  } else {
    source.folder = defaultModelFolder();
    if (!std::filesystem::exists(source.folder))
      throw Error("no model given and the default model is missing at " + source.folder +
                  " (use --model DIR or --config C --weights W)");
  }
  LoadedModel model = loadModel(source, device);
  if (args.has("guide-model")) {
    ModelSource guideSource;
    guideSource.folder = args.get("guide-model");
    const LoadedModel guide = loadModel(guideSource, device);
    // A guide given here replaces the config's; its default weight stays, else 2.
    attachGuide(model, guide, model.hasGuide() ? model.guidance : 2.0);
  }
  if (!args.flag("quiet")) {
    std::cerr << "model: " << model.name << " (" << toString(model.format) << ", "
              << model.config.imageSize << "x" << model.config.imageSize << ", "
              << model.parameterCount << " parameters, " << describeDevice(model.device) << ")\n";
    if (model.hasGuide())
      std::cerr << "guide: " << model.guideName << " (" << model.guideParameterCount
                << " parameters), default guidance " << model.guidance << "\n";
  }
  return model;
}

double guidanceFromArgs(const CliArgs& args, const LoadedModel& model) {
  const double w = args.getDouble("guidance", model.guidance);
  if (!(w >= 0 && w <= 20)) throw UsageError("--guidance must be in [0, 20]");
  if (w != 1.0 && !model.hasGuide())
    throw UsageError("--guidance " + args.get("guidance") + " needs a guide model: " + model.name +
                     " has none (give --guide-model DIR)");
  return w;
}

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet), start_(std::chrono::steady_clock::now()) {}

StepCallback Progress::callback() {
  return [this](int step, int total, const at::Tensor&) { update(step, total); };
}

void Progress::update(int step, int total) {
  if (quiet_) return;
  if (!active_) start_ = std::chrono::steady_clock::now();
  active_ = true;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? step / elapsed : 0;
  const double eta = rate > 0 ? (total - step) / rate : 0;
  std::fprintf(stderr, "\r%s %d/%d  %.1f it/s  %.0f s left   ", label_.c_str(), step, total, rate,
               eta);
  if (step == total) finish();
}

void Progress::finish() {
  if (quiet_ || !active_) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r%s done in %.2f s%30s\n", label_.c_str(), elapsed, "");
  active_ = false;
}

SkipType skipFromArgs(const CliArgs& args) {
  try {
    return parseSkipType(args.get("skip", "uniform"));
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

bool isPngPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

at::Tensor latentFromFileOrImage(const LoadedModel& model, const std::string& path, int steps,
                                 SkipType skip, bool quiet) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const int size = model.config.imageSize;
  if (ext == ".npy") {
    at::Tensor z = readNpy(path);
    if (z.dim() == 3) z = z.unsqueeze(0);
    const std::vector<int64_t> expected = {1, model.config.channels, size, size};
    if (!z.sizes().equals(expected))
      throw Error(path + ": latent has shape " + c10::str(z.sizes()) + ", the model expects " +
                  c10::str(at::IntArrayRef(expected)));
    return z.to(model.device);
  }
  const at::Tensor x0 = loadImageForModel(path, size).to(model.device);
  InvertOptions opt;
  opt.steps = steps;
  opt.skip = skip;
  Progress progress("invert " + std::filesystem::path(path).filename().string(), quiet);
  RunControl control;
  control.onStep = progress.callback();
  return invert(model.denoiser, model.schedule, x0, opt, control);
}

}  // namespace ddim::cli
