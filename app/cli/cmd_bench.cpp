// ddim bench: network call, sampling and edit times.
#include <ATen/ATen.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/edit.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "model/device.h"
#include "model/model_config.h"
#include "model/unet.h"
#include "tasks/latents.h"

namespace ddim::cli {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The process's peak resident memory so far, in MB (Linux reports ru_maxrss in KiB).
double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

struct BenchArgs {
  ModelArgs model;
  int batch = 1;
  int steps = 20;
  int calls = 10;
  SamplerKind solver = SamplerKind::kDdim;
  std::optional<double> guidance;
  double editStrength = 0.5;
  std::vector<int> editCounts = {1, 4};
  int editRuns = 5;
};

double medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// --config without --weights: random weights, which time the same as trained ones.
LoadedModel randomModel(const ModelArgs& args) {
  const c10::Device device = deviceFromArgs(args);
  const ModelConfig config = loadModelConfig(*args.config);
  torch::manual_seed(0);
  UNet net(config.model);
  net->to(device);
  LoadedModel model =
      modelFromNetwork(net.ptr(), config, device, config.name + " (random weights)");
  applyPrecision(model, parsePrecision(args.precision));
  return model;
}

int runBench(const BenchArgs& a) {
  const LoadedModel model =
      a.model.config && !a.model.weights ? randomModel(a.model) : loadModelFromArgs(a.model);
  const int size = model.config.imageSize;
  std::printf("model: %s, %lld parameters, %dx%d, device %s\n", model.name.c_str(),
              static_cast<long long>(model.parameterCount), size, size,
              describeDevice(model.device).c_str());
  std::printf("precision: %s (%s)\n", toString(model.precision.used).c_str(),
              model.precision.reason.c_str());
  const double loadedMb = peakRssMb();
  const at::Tensor x = seededNoise(latentShape(model, a.batch), 0, model.device);
  const at::Tensor t = at::full({a.batch}, 500.0f, x.options());
  const bool cuda = model.device.is_cuda();
  for (int i = 0; i < 2; ++i) (void)model.denoiser.net(x, t);  // warm-up
  if (cuda) (void)x.sum().item<float>();                       // waits for queued kernels
  std::vector<double> ms;
  for (int i = 0; i < a.calls; ++i) {
    const auto t0 = Clock::now();
    const at::Tensor y = model.denoiser.net(x, t);
    if (cuda) (void)y.sum().item<float>();
    ms.push_back(secondsSince(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "network call, batch %d: median %.1f ms, min %.1f ms (%d calls) = %.1f ms per image\n",
      a.batch, ms[ms.size() / 2], ms.front(), a.calls, ms[ms.size() / 2] / a.batch);
  std::printf("peak RSS: %.0f MB after loading, %.0f MB after the calls (weights %.0f MB fp32)\n",
              loadedMb, peakRssMb(), static_cast<double>(model.parameterCount) * 4 / 1e6);
  SampleOptions o;
  o.steps = a.steps;
  o.kind = a.solver;
  const double guidance = guidanceFor(a.guidance, model);
  const auto t0 = Clock::now();
  const at::Tensor s = sample(model.sampling(guidance), model.schedule, x, o);
  if (cuda) (void)s.sum().item<float>();
  const double total = secondsSince(t0);
  char guided[32] = "";
  if (guidance != 1.0) std::snprintf(guided, sizeof guided, ", guidance %g", guidance);
  const std::string solver = a.solver == SamplerKind::kDdim ? "" : " (" + toString(a.solver) + ")";
  std::printf("sample, %d steps%s, batch %d%s: %.3f s total, %.1f ms per sample\n", a.steps,
              solver.c_str(), a.batch, guided, total, total * 1000 / a.batch);

  // What the Edit tab's Apply and its strength preview run: SDEdit from forward noise of one
  // image (the content does not change the time), `count` results in one batch.
  const at::Tensor image = seededNoise(latentShape(model, 1), 1, model.device).tanh();
  for (int count : a.editCounts) {
    EditOptions e;
    e.strength = a.editStrength;
    e.steps = a.steps;
    e.count = count;
    e.validate(model.schedule.numTimesteps());
    std::vector<double> runs;
    EditReport report;
    for (int i = 0; i <= a.editRuns; ++i) {  // the first is a warm-up
      const auto e0 = Clock::now();
      const at::Tensor r =
          strengthEdit(model.sampling(guidance), model.schedule, image, e, {}, &report);
      if (cuda) (void)r.sum().item<float>();
      if (i > 0) runs.push_back(secondsSince(e0) * 1000);
    }
    std::printf(
        "edit, strength %g (t0 = %lld, %d steps down), %d-step sequence, %d result%s%s: median "
        "%.1f ms, min %.1f ms (%d runs), %d network calls\n",
        a.editStrength, static_cast<long long>(report.startTimestep), report.steps, a.steps, count,
        count == 1 ? "" : "s", guided, medianOf(runs), *std::min_element(runs.begin(), runs.end()),
        a.editRuns, report.networkCalls);
  }
  return 0;
}

}  // namespace

Command addBenchCommand(CLI::App& ddim) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "bench", "time network calls, a sample and edits (--config alone: random weights)");
  cmd->add_option("--batch", a->batch, "batch size (default 1)")->type_name("B")->check(atLeast(1));
  cmd->add_option("--steps", a->steps, "steps of the timed sample (default 20)")
      ->type_name("S")
      ->check(atLeast(1));
  cmd->add_option("--calls", a->calls, "timed network calls (default 10)")
      ->type_name("N")
      ->check(atLeast(1));
  cmd->add_option("--edit-strength", a->editStrength, "strength of the timed edits (default 0.5)")
      ->type_name("0..1")
      ->check(inRange(0, 1));
  cmd->add_option("--edit-counts", a->editCounts,
                  "results per timed edit, each count timed on its own (default 1 4)")
      ->type_name("K...")
      ->check(atLeast(1));
  cmd->add_option("--edit-runs", a->editRuns, "timed runs of each edit after a warm-up (default 5)")
      ->type_name("N")
      ->check(atLeast(1));
  addGuidanceOption(*cmd, a->guidance);
  addSolverOption(*cmd, a->solver);
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runBench(*a); }};
}

}  // namespace ddim::cli
