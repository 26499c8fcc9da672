#include "cli_common.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "diffusion/noise.h"
#include "errors.h"
#include "model/device.h"

namespace ddim::cli {
namespace {

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A check that core's `parse` accepts the value; its ddim::Error text as the message otherwise.
template <typename Parse>
CLI::Validator parsedBy(Parse parse, const std::string& name) {
  return CLI::Validator(
      [parse](std::string& value) {
        try {
          (void)parse(value);
          return std::string();
        } catch (const Error& e) {
          return std::string(e.what());
        }
      },
      "", name);
}

}  // namespace

void addExactInversionOptions(CLI::App& command, InvertOptions& options) {
  command.add_flag_callback(
      "--exact", [&options] { options.method = InversionMethod::kExact; },
      "solve each step as the exact inverse of the sampling step, so that plain DDIM sampling "
      "with the same steps gives the image back (about 4 network calls a step)");
  command
      .add_option("--tolerance", options.tolerance,
                  "exact: a step is done when sampling it back misses by less (RMS)")
      ->type_name("R")
      ->check(inRange(1e-9, 1));
  command.add_option("--iterations", options.maxIterations, "exact: network calls a step, at most")
      ->type_name("N")
      ->check(inRange(1, 100));
}

void reportInversion(const InversionReport& report, const InvertOptions& options) {
  if (options.method != InversionMethod::kExact) return;
  std::printf("exact inversion: %d network calls (%.2f a step), largest residual %.2g\n",
              report.networkCalls, report.callsPerStep(), report.worstResidual);
  if (!report.converged())
    std::fprintf(stderr,
                 "warning: exact inversion did not converge in %d of %d steps (largest residual "
                 "%.2g > tolerance %.2g); more steps or --iterations may help\n",
                 report.stepsNotConverged, report.steps, report.worstResidual, options.tolerance);
}

void addModelOptions(CLI::App& command, ModelArgs& args) {
  const std::string group = "Model options";
  command
      .add_option("--model", args.folder,
                  "config + weights, diffusers folder or TorchScript file (default: the "
                  "bundled emoji model")
      ->type_name("DIR")
      ->group(group);
  command.add_option("--config", args.config, "model config (YAML or JSON), with --weights")
      ->type_name("C")
      ->group(group);
  command.add_option("--weights", args.weights, "weights (.safetensors, .ckpt/.pt/.pth/.bin)")
      ->type_name("W")
      ->group(group);
  command
      .add_option("--guide-model", args.guideFolder,
                  "autoguidance: a weaker model of the same data, to guide sampling")
      ->type_name("DIR")
      ->group(group);
  command.add_option("--device", args.device, "default auto: CUDA when available")
      ->type_name("auto|cpu|cuda")
      ->group(group);
  command
      .add_option("--precision", args.precision,
                  "the network's convolutions: auto (default: bf16 where the CPU has "
                  "AVX512-BF16, or on CUDA; else fp32), fp32, bf16, fp16 (CUDA only); sampling "
                  "and inversion stay fp32")
      ->type_name("auto|fp32|bf16|fp16")
      ->check(parsedBy(parsePrecision, "precision"))
      ->group(group);
  command.add_option("--threads", args.threads, "CPU threads (default: all cores)")
      ->type_name("N")
      ->group(group);
  command.add_flag("--quiet", args.quiet, "no progress on stderr")->group(group);
}

c10::Device deviceFromArgs(const ModelArgs& args) {
  setCpuThreads(args.threads);
  return parseDevice(args.device);
}

LoadedModel loadModelFromArgs(const ModelArgs& args) {
  const c10::Device device = deviceFromArgs(args);
  ModelSource source;
  if (args.folder) {
    if (args.config || args.weights)
      throw UsageError("give --model or --config/--weights, not both");
    source.folder = *args.folder;
  } else if (args.config || args.weights) {
    if (!args.config) throw UsageError("missing --config");
    if (!args.weights) throw UsageError("missing --weights");
    source.configPath = *args.config;
    source.weightsPath = *args.weights;
  } else {
    source.folder = defaultModelFolder();
    if (!std::filesystem::exists(source.folder))
      throw Error("no model given and the default model is missing at " + source.folder +
                  " (use --model DIR or --config C --weights W)");
  }
  LoadedModel model = loadModel(source, device);
  if (args.guideFolder) {
    const LoadedModel guide = loadModel(ModelSource{*args.guideFolder, "", ""}, device);
    // A guide given here replaces the config's; its default weight stays, else 2.
    attachGuide(model, guide, model.hasGuide() ? model.guidance : 2.0);
  }
  applyPrecision(model, parsePrecision(args.precision));
  if (!args.quiet) {
    std::cerr << "model: " << model.name << " (" << toString(model.format) << ", "
              << model.config.imageSize << "x" << model.config.imageSize << ", "
              << model.parameterCount << " parameters, " << describeDevice(model.device) << ", "
              << toString(model.precision.used) << ")\n";
    if (model.hasGuide())
      std::cerr << "guide: " << model.guideName << " (" << model.guideParameterCount
                << " parameters), default guidance " << model.guidance << "\n";
  }
  return model;
}

void addGuidanceOption(CLI::App& command, std::optional<double>& weight, const std::string& help) {
  command.add_option("--guidance", weight, help)->type_name("W")->check(inRange(0, 20));
}

double guidanceFor(const std::optional<double>& weight, const LoadedModel& model) {
  const double w = weight.value_or(model.guidance);
  if (w != 1.0 && !model.hasGuide())
    throw UsageError("--guidance " + formatNumber(w) + " needs a guide model: " + model.name +
                     " has none (give --guide-model DIR)");
  return w;
}

void addSkipOption(CLI::App& command, SkipType& skip, const std::string& name,
                   const std::string& help) {
  command
      .add_option_function<std::string>(
          name, [&skip](const std::string& value) { skip = parseSkipType(value); }, help)
      ->type_name("uniform|quad|trailing|linspace|leading|logsnr")
      ->check(parsedBy(parseSkipType, ""));
}

void addSamplerOptions(CLI::App& command, SampleOptions& options) {
  command
      .add_option("--eta", options.eta, "in [0, 1]: 0 deterministic DDIM, 1 DDPM-like (default 0)")
      ->type_name("E")
      ->check(inRange(0, 1));
  addSkipOption(command, options.skip);
  command.add_flag("--clip", options.clipX0, "clip the predicted x0 to [-1, 1]");
  addSolverOption(command, options.kind);
}

void addSolverOption(CLI::App& command, SamplerKind& kind) {
  command
      .add_option_function<std::string>(
          "--solver",
          [&kind](const std::string& name) {
            kind = name == "dpm++2m" ? SamplerKind::kDpmSolverPP2M : SamplerKind::kDdim;
          },
          "ddim (default, the paper's) or dpm++2m (DPM-Solver++(2M), Lu et al. 2022: second "
          "order, closer to the converged result at few steps; eta 0 only)")
      ->type_name("ddim|dpm++2m")
      ->check(CLI::IsMember({"ddim", "dpm++2m"}));
}

void addNoiseOptions(CLI::App& command, NoiseArgs& args) {
  command.add_option("--noise", args.file, "initial noise x_T as .npy")->type_name("X.npy");
  command.add_option("--seed", args.seed, "seeds the initial noise and the per-step noise")
      ->type_name("N")
      ->check(atLeast(0));
}

void requireNoiseSource(const NoiseArgs& args) {
  if (!args.file && !args.seed) throw UsageError("give --noise X.npy or --seed N");
}

at::Tensor initialNoise(const LoadedModel& model, const NoiseArgs& args, LatentCount count,
                        int64_t seeded) {
  if (args.file) return readLatentFor(model, *args.file, count);
  return seededNoise(latentShape(model, seeded), args.seed.value_or(0), model.device);
}

uint64_t stepNoiseSeed(const NoiseArgs& args) { return args.seed.value_or(0) + 1; }

CLI::Validator atLeast(int64_t min) {
  // Parsed here in decimal and passed on normalised: CLI11 itself would read "010" as octal.
  return CLI::Validator(
      [min](std::string& input) -> std::string {
        const std::string notInteger = "expects an integer, got '" + input + "'";
        const std::string tooSmall = "must be >= " + std::to_string(min) + ", got " + input;
        if (input.empty()) return notInteger;
        char* end = nullptr;
        errno = 0;
        if (input[0] == '-') {
          const long long v = std::strtoll(input.c_str(), &end, 10);
          if (*end || errno) return notInteger;
          if (v < min) return tooSmall;
          input = std::to_string(v);
        } else {
          const unsigned long long v = std::strtoull(input.c_str(), &end, 10);
          if (*end || errno) return notInteger;
          if (min > 0 && v < static_cast<unsigned long long>(min)) return tooSmall;
          input = std::to_string(v);
        }
        return std::string();
      },
      /*validator_description=*/"");
}

CLI::Validator inRange(double lo, double hi) {
  const std::string range = "[" + formatNumber(lo) + ", " + formatNumber(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& input) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(input.c_str(), &end);
        if (input.empty() || *end) return "expects a number, got '" + input + "'";
        if (!(v >= lo && v <= hi)) return "must be in " + range + ", got " + input;
        return std::string();
      },
      /*validator_description=*/"");
}

bool hasExtension(const std::string& path, const std::string& extension) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == extension;
}

std::vector<Rgb8Image> tilesOf(const at::Tensor& batch) {
  std::vector<Rgb8Image> tiles;
  for (int64_t i = 0; i < batch.size(0); ++i) tiles.push_back(toRgb8(batch[i]));
  return tiles;
}

}  // namespace ddim::cli
