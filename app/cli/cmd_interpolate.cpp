// ddim interpolate: frames between two latents (or inverted images), as a strip or a video.
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/interpolation.h"
#include "diffusion/inversion.h"
#include "diffusion/sampler.h"
#include "io/image_io.h"
#include "io/npy.h"
#include "io/video.h"
#include "progress.h"
#include "tasks/latents.h"

namespace ddim::cli {
namespace {

struct InterpolateArgs {
  ModelArgs model;
  std::string from, to;
  int frames = 0;
  int steps = 0;
  SkipType skip = SkipType::kUniform;
  bool lerp = false;
  bool even = false;
  InvertOptions inversion;
  double fps = 10;
  std::string out;
  std::optional<std::string> npyOut;
};

// Video frames at least 256 px on a side: 32 px model images are too small to watch.
int videoScale(int imageSize) { return std::max(1, 256 / imageSize); }

// Frames probed along the path for --even, between two output frames.
constexpr int kProbesPerFrame = 4;

int runInterpolate(const InterpolateArgs& a) {
  const LoadedModel model = loadModelFromArgs(a.model);
  InvertOptions invertOptions = a.inversion;
  invertOptions.steps = a.steps;
  invertOptions.skip = a.skip;
  auto latentOf = [&](const std::string& path) {
    Progress progress("invert " + std::filesystem::path(path).filename().string(), a.model.quiet);
    return latentFromFileOrImage(model, path, invertOptions, progress.control());
  };
  const at::Tensor z1 = latentOf(a.from).squeeze(0);
  const at::Tensor z2 = latentOf(a.to).squeeze(0);
  const InterpMode mode =
      a.lerp ? InterpMode::kLerp : (a.even ? InterpMode::kSlerpMatched : InterpMode::kSlerp);
  SampleOptions options;
  options.steps = a.steps;
  options.skip = a.skip;
  auto decode = [&](const std::vector<double>& alphas, const std::string& label) {
    std::vector<at::Tensor> zs;
    for (double alpha : alphas) zs.push_back(interpolate(z1, z2, alpha, mode));
    Progress progress(label, a.model.quiet);
    return sample(model.denoiser, model.schedule, at::stack(zs), options, progress.control())
        .to(at::kCPU);
  };
  auto uniform = [](int n) {
    std::vector<double> alphas(n);
    for (int i = 0; i < n; ++i) alphas[i] = static_cast<double>(i) / (n - 1);
    return alphas;
  };
  std::vector<double> alphas = uniform(a.frames);
  if (a.even) {
    // Decode a finer path, then place the frames at equal distances along it (alpha re-spacing).
    const std::vector<double> probes = uniform(kProbesPerFrame * (a.frames - 1) + 1);
    const at::Tensor probed = decode(probes, "probe " + std::to_string(probes.size()) + " frames");
    alphas = evenlySpacedAlphas(probes, frameDistances(probed), a.frames);
  }
  const at::Tensor x = decode(alphas, "decode " + std::to_string(a.frames) + " frames");
  const PathEvenness e = pathEvenness(frameDistances(x));
  std::printf(
      "path: %d frames, distance between neighbours (RMS, pixels in [0, 1]) mean %.4f, "
      "variance %.3g, largest %.4f\n",
      a.frames, e.mean, e.variance, e.largestJump);
  if (a.npyOut) writeNpy(*a.npyOut, x);
  if (hasExtension(a.out, ".npy")) {
    writeNpy(a.out, x);
    return 0;
  }
  const std::vector<Rgb8Image> tiles = tilesOf(x);
  if (hasExtension(a.out, ".mp4")) {
    writeVideo(a.out, tiles, a.fps, videoScale(model.config.imageSize));
    return 0;
  }
  std::vector<std::string> labels;
  for (double alpha : alphas) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", alpha);
    labels.emplace_back(buf);
  }
  const int scale = model.config.imageSize <= 64 ? 3 : 1;
  writePng(a.out, makeLabelledGrid(tiles, labels, a.frames, scale));
  return 0;
}

}  // namespace

Command addInterpolateCommand(CLI::App& ddim) {
  auto a = std::make_shared<InterpolateArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "interpolate", "frames between two latents or images (inverted first): a strip or a video");
  cmd->add_option("--from", a->from, "latent (.npy) or image")->type_name("A")->required();
  cmd->add_option("--to", a->to, "latent (.npy) or image")->type_name("B")->required();
  cmd->add_option("--frames", a->frames, "frames, both ends included")
      ->type_name("N")
      ->check(atLeast(2))
      ->required();
  cmd->add_option("--steps", a->steps, "steps of inversion and of decoding")
      ->type_name("S")
      ->check(atLeast(1))
      ->required();
  addSkipOption(*cmd, a->skip);
  cmd->add_flag("--lerp", a->lerp, "linear instead of spherical interpolation");
  cmd->add_flag("--even", a->even,
                "move evenly: slerp with each channel's mean and spread matched to the ends' "
                "(AdaIN), frames placed at equal distances along the decoded path");
  addExactInversionOptions(*cmd, a->inversion);
  cmd->add_option("--out", a->out,
                  "one labelled row of frames (.png), an H.264 video of them (.mp4), or the "
                  "decoded frames as one array [N, C, H, W] in model space (.npy)")
      ->type_name("STRIP.png|VIDEO.mp4|FRAMES.npy")
      ->required();
  cmd->add_option("--fps", a->fps, "frames a second of a .mp4 (default 10)")
      ->type_name("F")
      ->check(inRange(0.1, 120));
  cmd->add_option("--npy-out", a->npyOut, "also the decoded frames, [N, C, H, W] model space")
      ->type_name("FRAMES.npy");
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runInterpolate(*a); }};
}

}  // namespace ddim::cli
