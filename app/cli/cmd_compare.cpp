// ddim compare: one latent sampled at several step counts, side by side.
#include <ATen/ATen.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/sampler.h"
#include "io/image_io.h"
#include "progress.h"
#include "tasks/compare.h"
#include "tasks/latents.h"

namespace ddim::cli {
namespace {

struct CompareArgs {
  ModelArgs model;
  NoiseArgs noise;
  std::vector<int> steps;
  SampleOptions base;
  std::optional<double> guidance;
  std::string out;
};

int runCompare(const CompareArgs& a) {
  requireNoiseSource(a.noise);
  const LoadedModel model = loadModelFromArgs(a.model);
  const Denoiser denoiser = model.sampling(guidanceFor(a.guidance, model));
  const at::Tensor z = initialNoise(model, a.noise, LatentCount::kOne, 1);
  SampleOptions base = a.base;
  base.noiseSeed = stepNoiseSeed(a.noise);
  Progress progress("compare", a.model.quiet);
  const std::vector<CompareEntry> entries =
      compareSteps(denoiser, model.schedule, z, base, a.steps, progress.control());
  const CompareEntry& reference = entries.back();
  std::vector<Rgb8Image> tiles;
  std::vector<std::string> labels;
  for (const CompareEntry& e : entries) {
    tiles.push_back(toRgb8(e.image));
    char buf[96];
    if (e.isReference)
      std::snprintf(buf, sizeof buf, "S=%d\n%.2f s\nreference", e.steps, e.seconds);
    else
      std::snprintf(buf, sizeof buf, "S=%d\n%.2f s\n%.1f dB", e.steps, e.seconds,
                    e.toReference.psnr);
    labels.emplace_back(buf);
    std::printf("S=%d  %.3f s  psnr vs S=%d: %s\n", e.steps, e.seconds, reference.steps,
                e.isReference ? "reference" : (std::to_string(e.toReference.psnr) + " dB").c_str());
  }
  const int size = model.config.imageSize;
  const int scale = size <= 32 ? 4 : (size <= 64 ? 2 : 1);
  writePng(a.out, makeLabelledGrid(tiles, labels, static_cast<int>(tiles.size()), scale));
  return 0;
}

}  // namespace

Command addCompareCommand(CLI::App& ddim) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "compare",
      "one latent sampled at several step counts, with seconds and PSNR against the most");
  addNoiseOptions(*cmd, a->noise);
  cmd->add_option("--steps", a->steps, "step counts (sorted, duplicates dropped)")
      ->type_name("5,10,20,50,100")
      ->delimiter(',')
      ->check(atLeast(1))
      ->required();
  addSamplerOptions(*cmd, a->base);
  addGuidanceOption(*cmd, a->guidance);
  cmd->add_option("--out", a->out, "the labelled row")->type_name("GRID.png")->required();
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runCompare(*a); }};
}

}  // namespace ddim::cli
