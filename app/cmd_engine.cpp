// ddim eps | sample | invert | info | export
#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "image_io.h"
#include "inversion.h"
#include "noise.h"
#include "npy.h"
#include "safetensors.h"
#include "sampler.h"
#include "unet.h"

namespace ddim::cli {
namespace {

at::Tensor noiseFromArgs(const CliArgs& args, const LoadedModel& model) {
  const int size = model.config.imageSize, channels = model.config.channels;
  // With --noise, --seed only seeds the per-step noise (eta > 0).
  if (!args.has("noise") && !args.has("seed")) throw UsageError("give --noise X.npy or --seed N");
  if (args.has("noise")) {
    if (args.has("count")) throw UsageError("--count goes with --seed, not --noise");
    at::Tensor z = readNpy(args.get("noise"));
    if (z.dim() == 3) z = z.unsqueeze(0);
    if (z.dim() != 4 || z.size(1) != channels || z.size(2) != size || z.size(3) != size)
      throw Error(args.get("noise") + ": noise has shape " + c10::str(z.sizes()) +
                  ", the model expects [B, " + std::to_string(channels) + ", " +
                  std::to_string(size) + ", " + std::to_string(size) + "]");
    return z.to(model.device);
  }
  const int count = args.getInt("count", 1);
  if (count < 1) throw UsageError("--count must be >= 1");
  return seededNoise({count, channels, size, size}, args.getU64("seed", 0), model.device);
}

SampleOptions sampleOptionsFromArgs(const CliArgs& args, int steps) {
  SampleOptions o;
  o.steps = steps;
  o.eta = args.getDouble("eta", 0.0);
  o.skip = skipFromArgs(args);
  o.clipX0 = args.flag("clip");
  o.kind = args.flag("sigma-hat") ? SamplerKind::kSigmaHat : SamplerKind::kDdim;
  o.noiseSeed = args.getU64("seed", 0) + 1;  // the step noise differs from the initial noise
  if (o.steps < 1) throw UsageError("--steps must be >= 1");
  if (!(o.eta >= 0 && o.eta <= 1)) throw UsageError("--eta must be in [0, 1]");
  return o;
}

std::vector<Rgb8Image> tilesOf(const at::Tensor& batch) {
  std::vector<Rgb8Image> tiles;
  for (int64_t i = 0; i < batch.size(0); ++i) tiles.push_back(toRgb8(batch[i]));
  return tiles;
}

}  // namespace

int runEps(const std::vector<std::string>& raw) {
  const CliArgs args(raw, concat(kModelOptions, {"input", "t", "out"}), kCommonFlags);
  const std::string input = args.require("input"), out = args.require("out");
  const std::vector<int> ts = args.getIntList("t");
  LoadedModel model = loadModelFromArgs(args);
  at::Tensor x = readNpy(input);
  if (x.dim() == 3) x = x.unsqueeze(0);
  const int size = model.config.imageSize;
  if (x.dim() != 4 || x.size(1) != model.config.channels || x.size(2) != size || x.size(3) != size)
    throw Error(input + ": input has shape " + c10::str(x.sizes()) + ", the model expects [B, " +
                std::to_string(model.config.channels) + ", " + std::to_string(size) + ", " +
                std::to_string(size) + "]");
  const int64_t batch = x.size(0);
  if (ts.size() != 1 && static_cast<int64_t>(ts.size()) != batch)
    throw UsageError("--t needs one timestep, or one per batch item (" + std::to_string(batch) +
                     "), got " + std::to_string(ts.size()));
  std::vector<float> tv(batch);
  for (int64_t i = 0; i < batch; ++i) {
    const int t = ts.size() == 1 ? ts[0] : ts[i];
    if (t < 0 || t >= model.schedule.numTimesteps())
      throw UsageError("--t " + std::to_string(t) + " outside 0.." +
                       std::to_string(model.schedule.numTimesteps() - 1));
    tv[i] = static_cast<float>(t);
  }
  x = x.to(model.device);
  const at::Tensor t = at::tensor(tv).to(model.device);
  at::Tensor output = model.denoiser.net(x, t);
  if (model.denoiser.prediction != PredictionType::kEps) {
    std::vector<at::Tensor> eps;
    for (int64_t i = 0; i < batch; ++i)
      eps.push_back(toEpsAndX0(output.slice(0, i, i + 1), x.slice(0, i, i + 1),
                               model.schedule.alphaBar(static_cast<int64_t>(tv[i])),
                               model.denoiser.prediction)
                        .eps);
    output = at::cat(eps);
  }
  writeNpy(out, output);
  return 0;
}

int runSample(const std::vector<std::string>& raw) {
  const CliArgs args(raw,
                     concat(kModelOptions, {"noise", "seed", "count", "steps", "eta", "skip", "out",
                                            "batch", "guidance"}),
                     concat(kCommonFlags, {"clip", "sigma-hat"}));
  const std::string out = args.require("out");
  SampleOptions options = sampleOptionsFromArgs(args, args.getInt("steps", 0));
  if (!args.has("steps")) throw UsageError("missing --steps");
  const int chunk = args.getInt("batch", 64);
  if (chunk < 1) throw UsageError("--batch must be >= 1");
  LoadedModel model = loadModelFromArgs(args);
  options.validate(model.schedule.numTimesteps());
  const Denoiser denoiser = model.sampling(guidanceFromArgs(args, model));
  const at::Tensor noise = noiseFromArgs(args, model);
  std::vector<at::Tensor> results;
  const bool quiet = args.flag("quiet");
  for (int64_t start = 0; start < noise.size(0); start += chunk) {
    const int64_t end = std::min<int64_t>(noise.size(0), start + chunk);
    Progress progress("sample " + std::to_string(start + 1) + "-" + std::to_string(end) + "/" +
                          std::to_string(noise.size(0)),
                      quiet);
    RunControl control;
    control.onStep = progress.callback();
    SampleOptions o = options;
    o.noiseSeed += static_cast<uint64_t>(start);
    results.push_back(sample(denoiser, model.schedule, noise.slice(0, start, end), o, control));
  }
  const at::Tensor x = at::cat(results).to(at::kCPU);
  if (isPngPath(out)) {
    const int columns = static_cast<int>(std::min<int64_t>(x.size(0), 8));
    const int scale = model.config.imageSize <= 64 ? 4 : 1;
    writePng(out, x.size(0) == 1 ? toRgb8(x) : makeLabelledGrid(tilesOf(x), {}, columns, scale));
  } else {
    writeNpy(out, x);
  }
  return 0;
}

int runInvert(const std::vector<std::string>& raw) {
  const CliArgs args(raw, concat(kModelOptions, {"image", "steps", "skip", "out", "recon"}),
                     concat(kCommonFlags, {"destination"}));
  const std::string image = args.require("image"), out = args.require("out");
  InvertOptions options;
  options.steps = args.getInt("steps", 0);
  if (!args.has("steps")) throw UsageError("missing --steps");
  if (options.steps < 1) throw UsageError("--steps must be >= 1");
  options.skip = skipFromArgs(args);
  options.form = args.flag("destination") ? InversionForm::kDestination : InversionForm::kEuler;
  LoadedModel model = loadModelFromArgs(args);
  options.validate(model.schedule.numTimesteps());
  const bool quiet = args.flag("quiet");
  const at::Tensor x0 = loadImageForModel(image, model.config.imageSize).to(model.device);
  Progress progress("invert", quiet);
  RunControl control;
  control.onStep = progress.callback();
  const at::Tensor latent = invert(model.denoiser, model.schedule, x0, options, control);
  writeNpy(out, latent);
  if (args.has("recon")) {
    SampleOptions so;
    so.steps = options.steps;
    so.skip = options.skip;
    Progress p2("reconstruct", quiet);
    RunControl c2;
    c2.onStep = p2.callback();
    const at::Tensor recon = sample(model.denoiser, model.schedule, latent, so, c2);
    writeModelImagePng(args.get("recon"), recon);
    const ImageError e = imageError(recon, x0);
    std::printf("reconstruction: mse %.6f  psnr %.2f dB  (%d steps each way, pixels in [0, 1])\n",
                e.mse, e.psnr, options.steps);
  }
  return 0;
}

int runInfo(const std::vector<std::string>& raw) {
  const CliArgs args(raw, kModelOptions, kCommonFlags);
  LoadedModel model = loadModelFromArgs(args);
  std::printf("name: %s\nformat: %s\nweights: %s\nparameters: %lld\nresolution: %d\n",
              model.name.c_str(), toString(model.format).c_str(), model.weightsPath.c_str(),
              static_cast<long long>(model.parameterCount), model.config.imageSize);
  std::printf("prediction: %s\nschedule: %s %g..%g, T=%d\n%s",
              toString(model.config.diffusion.predictionType).c_str(),
              toString(model.config.diffusion.betaSchedule).c_str(),
              model.config.diffusion.betaStart, model.config.diffusion.betaEnd,
              model.config.diffusion.numTimesteps, modelConfigToYaml(model.config).c_str());
  if (model.hasGuide())
    std::printf("guide: %s\nguide weights: %s\nguide parameters: %lld\nguidance: %g\n",
                model.guideName.c_str(), model.guideWeightsPath.c_str(),
                static_cast<long long>(model.guideParameterCount), model.guidance);
  return 0;
}

int runExport(const std::vector<std::string>& raw) {
  const CliArgs args(raw, concat(kModelOptions, {"out", "name"}), concat(kCommonFlags, {"half"}));
  namespace fs = std::filesystem;
  const fs::path out = args.require("out");
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw Error(out.string() + ": exists and is not an empty folder (export never overwrites)");
  LoadedModel model = loadModelFromArgs(args);
  if (model.format == ModelFormat::kTorchScript)
    throw Error(model.weightsPath + ": a TorchScript module has no named weights to export");
  StateDict weights = stateDictOf(**std::static_pointer_cast<UNet>(model.holder));
  if (args.flag("half"))
    for (auto& [name, t] : weights)
      if (at::isFloatingType(t.scalar_type())) t = t.to(at::kHalf);
  ModelConfig config = model.config;
  config.guidance = {};  // the model alone: a guide is exported separately
  if (args.has("name")) config.name = args.get("name");
  fs::create_directories(out);
  saveModelConfig(config, (out / "config.yml").string());
  writeSafetensors((out / "model.safetensors").string(), weights);
  if (!args.flag("quiet"))
    std::cerr << "wrote " << (out / "config.yml").string() << " and "
              << (out / "model.safetensors").string() << " (" << weights.size() << " tensors, "
              << (args.flag("half") ? "float16" : "float32") << ")\n";
  return 0;
}

}  // namespace ddim::cli
