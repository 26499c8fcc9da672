// ddim interpolate | compare | bench
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "image_io.h"
#include "interpolation.h"
#include "model_loader.h"
#include "noise.h"
#include "npy.h"
#include "sampler.h"
#include "unet.h"
#include "device.h"

namespace ddim::cli {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int runInterpolate(const std::vector<std::string>& raw) {
  const CliArgs args(raw,
                     concat(kModelOptions, {"from", "to", "frames", "steps", "skip", "out", "eta",
                                            "npy-out"}),
                     concat(kCommonFlags, {"lerp"}));
  const std::string from = args.require("from"), to = args.require("to"), out = args.require("out");
  const int frames = args.getInt("frames", 0), steps = args.getInt("steps", 0);
  if (frames < 2) throw UsageError("--frames must be >= 2");
  if (steps < 1) throw UsageError("--steps must be >= 1");
  const SkipType skip = skipFromArgs(args);
  const bool quiet = args.flag("quiet");
  LoadedModel model = loadModelFromArgs(args);
  const at::Tensor z1 = latentFromFileOrImage(model, from, steps, skip, quiet);
  const at::Tensor z2 = latentFromFileOrImage(model, to, steps, skip, quiet);
  const at::Tensor zs =
      interpolateFrames(z1, z2, frames, args.flag("lerp") ? InterpMode::kLerp : InterpMode::kSlerp);
  SampleOptions options;
  options.steps = steps;
  options.skip = skip;
  Progress progress("decode " + std::to_string(frames) + " frames", quiet);
  RunControl control;
  control.onStep = progress.callback();
  const at::Tensor x = sample(model.denoiser, model.schedule, zs, options, control).to(at::kCPU);
  if (args.has("npy-out")) writeNpy(args.get("npy-out"), x);
  std::vector<Rgb8Image> tiles;
  std::vector<std::string> labels;
  for (int i = 0; i < frames; ++i) {
    tiles.push_back(toRgb8(x[i]));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(i) / (frames - 1));
    labels.emplace_back(buf);
  }
  const int scale = model.config.imageSize <= 64 ? 3 : 1;
  writePng(out, makeLabelledGrid(tiles, labels, frames, scale));
  return 0;
}

int runCompare(const std::vector<std::string>& raw) {
  const CliArgs args(
      raw, concat(kModelOptions, {"noise", "seed", "steps", "skip", "eta", "out", "guidance"}),
      concat(kCommonFlags, {"clip"}));
  const std::string out = args.require("out");
  std::vector<int> stepList = args.getIntList("steps");
  for (int s : stepList)
    if (s < 1) throw UsageError("--steps entries must be >= 1");
  if (!args.has("noise") && !args.has("seed")) throw UsageError("give --noise X.npy or --seed N");
  LoadedModel model = loadModelFromArgs(args);
  const int size = model.config.imageSize;
  const Denoiser denoiser = model.sampling(guidanceFromArgs(args, model));
  at::Tensor noise;
  if (args.has("noise")) {
    noise = readNpy(args.get("noise"));
    if (noise.dim() == 3) noise = noise.unsqueeze(0);
    if (noise.dim() != 4 || noise.size(0) != 1 || noise.size(1) != model.config.channels ||
        noise.size(2) != size || noise.size(3) != size)
      throw Error(args.get("noise") + ": compare needs one latent [1, " +
                  std::to_string(model.config.channels) + ", " + std::to_string(size) + ", " +
                  std::to_string(size) + "], got " + c10::str(noise.sizes()));
    noise = noise.to(model.device);
  } else {
    noise = seededNoise({1, model.config.channels, size, size}, args.getU64("seed", 0), model.device);
  }
  std::vector<Rgb8Image> tiles;
  std::vector<std::string> labels;
  std::vector<at::Tensor> images;
  std::vector<double> seconds;
  for (int s : stepList) {
    SampleOptions o;
    o.steps = s;
    o.skip = skipFromArgs(args);
    o.eta = args.getDouble("eta", 0.0);
    o.clipX0 = args.flag("clip");
    o.noiseSeed = args.getU64("seed", 0) + 1;
    Progress progress("S=" + std::to_string(s), args.flag("quiet"));
    RunControl control;
    control.onStep = progress.callback();
    const auto t0 = Clock::now();
    images.push_back(sample(denoiser, model.schedule, noise, o, control).to(at::kCPU));
    seconds.push_back(secondsSince(t0));
  }
  // Difference to the result with the most steps (paper Sec. 5.2: same x_T keeps its features).
  const size_t ref = std::max_element(stepList.begin(), stepList.end()) - stepList.begin();
  for (size_t i = 0; i < images.size(); ++i) {
    tiles.push_back(toRgb8(images[i]));
    const ImageError e = imageError(images[i], images[ref]);
    char buf[96];
    if (i == ref)
      std::snprintf(buf, sizeof buf, "S=%d\n%.2f s\nreference", stepList[i], seconds[i]);
    else
      std::snprintf(buf, sizeof buf, "S=%d\n%.2f s\n%.1f dB", stepList[i], seconds[i], e.psnr);
    labels.emplace_back(buf);
    std::printf("S=%d  %.3f s  psnr vs S=%d: %s\n", stepList[i], seconds[i], stepList[ref],
                i == ref ? "reference" : (std::to_string(e.psnr) + " dB").c_str());
  }
  const int scale = size <= 32 ? 4 : (size <= 64 ? 2 : 1);
  writePng(out, makeLabelledGrid(tiles, labels, static_cast<int>(tiles.size()), scale));
  return 0;
}

int runBench(const std::vector<std::string>& raw) {
  const CliArgs args(raw, concat(kModelOptions, {"batch", "steps", "calls", "guidance"}),
                     kCommonFlags);
  const int batch = args.getInt("batch", 1), steps = args.getInt("steps", 20);
  const int calls = args.getInt("calls", 10);
  if (batch < 1 || steps < 1 || calls < 1) throw UsageError("--batch, --steps and --calls must be >= 1");
  LoadedModel model;
  if (args.has("config") && !args.has("weights")) {
    // Random weights are fine for timing: the network's cost does not depend on its values.
    setCpuThreads(args.getInt("threads", 0));
    model.device = parseDevice(args.get("device", "auto"));
    model.config = loadModelConfig(args.get("config"));
    torch::manual_seed(0);
    UNet net(model.config.model);
    net->to(model.device);
    net->eval();
    model.parameterCount = parameterCount(*net);
    model.schedule = NoiseSchedule(model.config.diffusion);
    model.denoiser.net = [net](const at::Tensor& x, const at::Tensor& t) mutable {
      c10::InferenceMode guard;
      return net->forward(x, t);
    };
    model.holder = std::make_shared<UNet>(net);
    model.name = model.config.name + " (random weights)";
  } else {
    model = loadModelFromArgs(args);
  }
  const int size = model.config.imageSize;
  std::printf("model: %s, %lld parameters, %dx%d, device %s\n", model.name.c_str(),
              static_cast<long long>(model.parameterCount), size, size,
              describeDevice(model.device).c_str());
  const at::Tensor x = seededNoise({batch, model.config.channels, size, size}, 0, model.device);
  const at::Tensor t = at::full({batch}, 500.0f, x.options());
  auto sync = [&] {
    if (model.device.is_cuda()) (void)x.sum().item<float>();  // waits for queued kernels
  };
  for (int i = 0; i < 2; ++i) (void)model.denoiser.net(x, t);  // warm-up
  sync();
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    at::Tensor y = model.denoiser.net(x, t);
    if (model.device.is_cuda()) (void)y.sum().item<float>();
    ms.push_back(secondsSince(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("network call, batch %d: median %.1f ms, min %.1f ms (%d calls) = %.1f ms per image\n",
              batch, ms[ms.size() / 2], ms.front(), calls, ms[ms.size() / 2] / batch);
  SampleOptions o;
  o.steps = steps;
  const double guidance = guidanceFromArgs(args, model);
  const auto t0 = Clock::now();
  at::Tensor s = sample(model.sampling(guidance), model.schedule, x, o);
  if (model.device.is_cuda()) (void)s.sum().item<float>();
  const double total = secondsSince(t0);
  char guided[32] = "";
  if (guidance != 1.0) std::snprintf(guided, sizeof guided, ", guidance %g", guidance);
  std::printf("sample, %d steps, batch %d%s: %.3f s total, %.1f ms per sample\n", steps, batch,
              guided, total, total * 1000 / batch);
  return 0;
}

}  // namespace ddim::cli
