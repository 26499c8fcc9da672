// ddim invert: an image's latent by DDIM inversion, and optionally its reconstruction.
#include <ATen/ATen.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/inversion.h"
#include "io/image_io.h"
#include "io/npy.h"
#include "progress.h"
#include "tasks/reconstruct.h"

namespace ddim::cli {
namespace {

struct InvertArgs {
  ModelArgs model;
  std::string image;
  InvertOptions options;
  std::string out;
  std::optional<std::string> recon;
};

int runInvert(const InvertArgs& a) {
  const LoadedModel model = loadModelFromArgs(a.model);
  std::string note;
  const at::Tensor x0 = loadImageForModel(a.image, model.config.imageSize, &note).to(model.device);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  Progress progress(a.recon ? "invert + reconstruct" : "invert", a.model.quiet);
  const Reconstruction r =
      invertAndReconstruct(model, x0, a.options, a.recon.has_value(), progress.control(),
                           [&](const at::Tensor& latent) { writeNpy(a.out, latent); });
  reportInversion(r.inversion, a.options);
  if (a.recon) {
    writeModelImagePng(*a.recon, r.image);
    std::printf("reconstruction: mse %.6f  psnr %.2f dB  (%d steps each way, pixels in [0, 1])\n",
                r.error.mse, r.error.psnr, a.options.steps);
  }
  return 0;
}

}  // namespace

Command addInvertCommand(CLI::App& ddim) {
  auto a = std::make_shared<InvertArgs>();
  CLI::App* cmd =
      ddim.add_subcommand("invert", "invert an image into the latent that regenerates it");
  cmd->add_option("--image", a->image, "any image OpenCV reads (centre-cropped, resized)")
      ->type_name("IN")
      ->required();
  cmd->add_option("--steps", a->options.steps, "inversion steps")
      ->type_name("S")
      ->check(atLeast(1))
      ->required();
  addSkipOption(*cmd, a->options.skip);
  cmd->add_flag_callback(
      "--destination", [a] { a->options.form = InversionForm::kDestination; },
      "evaluate each step at its destination t (default: the paper's Euler form)");
  addExactInversionOptions(*cmd, a->options);
  cmd->add_option("--out", a->out, "the latent")->type_name("LATENT.npy")->required();
  cmd->add_option("--recon", a->recon,
                  "decode the latent again, write it, print MSE and PSNR against the input")
      ->type_name("R.png");
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runInvert(*a); }};
}

}  // namespace ddim::cli
