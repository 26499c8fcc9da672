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
  double fps = 10;
  std::string out;
  std::optional<std::string> npyOut;
};

// Video frames at least 256 px on a side: 32 px model images are too small to watch.
int videoScale(int imageSize) { return std::max(1, 256 / imageSize); }

int runInterpolate(const InterpolateArgs& a) {
  const LoadedModel model = loadModelFromArgs(a.model);
  InvertOptions invertOptions;
  invertOptions.steps = a.steps;
  invertOptions.skip = a.skip;
  auto latentOf = [&](const std::string& path) {
    Progress progress("invert " + std::filesystem::path(path).filename().string(), a.model.quiet);
    return latentFromFileOrImage(model, path, invertOptions, progress.control());
  };
  const at::Tensor z1 = latentOf(a.from);
  const at::Tensor z2 = latentOf(a.to);
  const at::Tensor zs =
      interpolateFrames(z1, z2, a.frames, a.lerp ? InterpMode::kLerp : InterpMode::kSlerp);
  SampleOptions options;
  options.steps = a.steps;
  options.skip = a.skip;
  Progress progress("decode " + std::to_string(a.frames) + " frames", a.model.quiet);
  const at::Tensor x =
      sample(model.denoiser, model.schedule, zs, options, progress.control()).to(at::kCPU);
  if (a.npyOut) writeNpy(*a.npyOut, x);
  const std::vector<Rgb8Image> tiles = tilesOf(x);
  if (hasExtension(a.out, ".mp4")) {
    writeVideo(a.out, tiles, a.fps, videoScale(model.config.imageSize));
    return 0;
  }
  std::vector<std::string> labels;
  for (int i = 0; i < a.frames; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(i) / (a.frames - 1));
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
  cmd->add_option("--out", a->out,
                  "one labelled row of frames (.png), or an H.264 video of them (.mp4)")
      ->type_name("STRIP.png|VIDEO.mp4")
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
