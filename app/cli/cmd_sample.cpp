// ddim sample: images from noise.
#include <ATen/ATen.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/sampler.h"
#include "io/image_io.h"
#include "io/npy.h"
#include "progress.h"
#include "tasks/latents.h"

namespace ddim::cli {
namespace {

struct SampleArgs {
  ModelArgs model;
  NoiseArgs noise;
  int count = 1;
  SampleOptions options;
  std::optional<double> guidance;
  int batch = 64;
  std::string out;
};

int runSample(const SampleArgs& a) {
  requireNoiseSource(a.noise);
  const LoadedModel model = loadModelFromArgs(a.model);
  const int T = model.schedule.numTimesteps();
  SampleOptions options = a.options;
  options.noiseSeed = stepNoiseSeed(a.noise);
  options.validate(T);
  const Denoiser denoiser = model.sampling(guidanceFor(a.guidance, model));
  const at::Tensor noise = initialNoise(model, a.noise, LatentCount::kBatch, a.count);
  const int64_t n = noise.size(0);
  const int64_t chunks = (n + a.batch - 1) / a.batch;
  const int calls = countNetworkCalls(options, T);
  Progress progress("sample " + std::to_string(n) + (n == 1 ? " image" : " images"), a.model.quiet);
  const RunControl control = progress.control();
  std::vector<at::Tensor> results;
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t start = chunk * a.batch, end = std::min<int64_t>(n, start + a.batch);
    SampleOptions o = options;
    o.noiseSeed += static_cast<uint64_t>(start);
    const RunControl part =
        control.part(static_cast<int>(chunk * calls), static_cast<int>(chunks * calls));
    results.push_back(sample(denoiser, model.schedule, noise.slice(0, start, end), o, part));
  }
  const at::Tensor x = at::cat(results).to(at::kCPU);
  if (hasExtension(a.out, ".png")) {
    const int columns = static_cast<int>(std::min<int64_t>(x.size(0), 8));
    const int scale = model.config.imageSize <= 64 ? 4 : 1;
    writePng(a.out, x.size(0) == 1 ? toRgb8(x) : makeLabelledGrid(tilesOf(x), {}, columns, scale));
  } else {
    writeNpy(a.out, x);
  }
  return 0;
}

}  // namespace

Command addSampleCommand(CLI::App& ddim) {
  auto a = std::make_shared<SampleArgs>();
  CLI::App* cmd = ddim.add_subcommand("sample", "sample images from noise with DDIM");
  addNoiseOptions(*cmd, a->noise);
  cmd->add_option("--count", a->count, "samples from --seed")
      ->type_name("K")
      ->check(atLeast(1))
      ->excludes("--noise");
  cmd->add_option("--steps", a->options.steps, "sampling steps")
      ->type_name("S")
      ->check(atLeast(1))
      ->required();
  addSamplerOptions(*cmd, a->options);
  cmd->add_flag_callback(
         "--sigma-hat", [a] { a->options.kind = SamplerKind::kSigmaHat; },
         "the paper's sigma-hat DDPM variant")
      ->excludes("--solver");
  addGuidanceOption(*cmd, a->guidance);
  cmd->add_option("--batch", a->batch, "samples per network batch (default 64)")
      ->type_name("B")
      ->check(atLeast(1));
  cmd->add_option("--out", a->out,
                  "the final x in model space, unclamped (.npy), or the image (.png; a grid for "
                  "several samples)")
      ->type_name("OUT.npy|OUT.png")
      ->required();
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runSample(*a); }};
}

}  // namespace ddim::cli
