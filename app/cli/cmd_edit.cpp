// ddim edit: SDEdit by strength, masked regeneration and variations of an image.
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/edit.h"
#include "io/image_io.h"
#include "io/mask.h"
#include "io/npy.h"
#include "progress.h"

namespace ddim::cli {
namespace {

struct EditArgs {
  ModelArgs model;
  std::string image;
  std::optional<std::string> mask;
  std::optional<double> strength;
  std::string noise = "forward";
  EditOptions options;
  std::optional<double> guidance;
  int batch = 64;
  std::string out;
};

int runEdit(const EditArgs& a) {
  if (a.options.inversion.method == InversionMethod::kExact && a.noise != "invert")
    throw UsageError("--exact needs --noise invert");
  if (!a.mask && a.options.resample > 0) throw UsageError("--resample needs --mask");
  if (!a.mask && a.options.featherPixels > 0) throw UsageError("--feather needs --mask");
  EditOptions options = a.options;
  options.noise = a.noise == "invert" ? EditNoise::kInvert : EditNoise::kForward;
  // A mask regenerates its region from scratch unless told otherwise; SDEdit's middle ground.
  options.strength = a.strength.value_or(a.mask ? 1.0 : 0.5);

  const LoadedModel model = loadModelFromArgs(a.model);
  const int T = model.schedule.numTimesteps();
  options.validate(T);
  const int size = model.config.imageSize;
  std::string note;
  const at::Tensor x0 = loadImageForModel(a.image, size, &note).to(model.device);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  const at::Tensor mask = a.mask ? loadMaskForModel(*a.mask, size).to(model.device) : at::Tensor();
  // Guidance denoises; inversion uses the model alone. An inverted image keeps its content only
  // when the same network takes it down again, so kInvert defaults to the model alone.
  const double weight =
      options.noise == EditNoise::kInvert && !a.guidance ? 1.0 : guidanceFor(a.guidance, model);
  const EditDenoisers denoisers{model.sampling(weight), model.fullPrecision()};

  const int count = options.count;
  const int chunks = (count + a.batch - 1) / a.batch;
  const int steps = countEditSteps(options, T);
  Progress progress("edit" + std::string(count == 1 ? "" : " x" + std::to_string(count)),
                    a.model.quiet);
  const RunControl control = progress.control();
  std::vector<at::Tensor> results;
  EditReport report;
  int calls = 0;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    // Item k is seeded seed + k whatever the batch (EditOptions), so chunks change nothing.
    EditOptions o = options;
    o.count = std::min(a.batch, count - chunk * a.batch);
    o.seed += static_cast<uint64_t>(chunk) * static_cast<uint64_t>(a.batch);
    const RunControl part = control.part(chunk * steps, chunks * steps);
    results.push_back(mask.defined()
                          ? regenerateMasked(denoisers, model.schedule, x0, mask, o, part, &report)
                          : strengthEdit(denoisers, model.schedule, x0, o, part, &report));
    calls += report.networkCalls;
  }
  const at::Tensor x = at::cat(results).to(at::kCPU);
  if (hasExtension(a.out, ".png")) {
    const int columns = std::min(count, 8);
    const int scale = size <= 64 ? 4 : 1;
    writePng(a.out, count == 1 ? toRgb8(x) : makeLabelledGrid(tilesOf(x), {}, columns, scale));
  } else {
    writeNpy(a.out, x);
  }
  if (report.startTimestep < 0) {
    std::printf("edit: strength %g starts below the first step: the input, unchanged\n",
                options.strength);
  } else {
    std::printf("edit: from t = %lld of %d, %d steps down, %d network calls, guidance %g\n",
                static_cast<long long>(report.startTimestep), T, report.steps, calls, weight);
    if (options.noise == EditNoise::kInvert) reportInversion(report.inversion, options.inversion);
  }
  return 0;
}

}  // namespace

Command addEditCommand(CLI::App& ddim) {
  auto a = std::make_shared<EditArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "edit", "edit an image: SDEdit by strength, regenerate a masked region, variations");
  cmd->add_option("--image", a->image, "any image OpenCV reads (centre-cropped, resized)")
      ->type_name("IN")
      ->required();
  cmd->add_option("--mask", a->mask,
                  "regenerate where white, keep where black (any size, cropped as the image)")
      ->type_name("MASK.png");
  cmd->add_option("--strength", a->strength,
                  "start at t = strength * T: 0 the input, 1 a fresh sample (default 0.5; 1 with "
                  "--mask)")
      ->type_name("0..1")
      ->check(inRange(0, 1));
  cmd->add_option("--steps", a->options.steps, "steps of the whole sequence (default 20)")
      ->type_name("S")
      ->check(atLeast(1));
  cmd->add_option("--eta", a->options.eta, "0: deterministic DDIM, 1: DDPM-like (default 0)")
      ->type_name("E")
      ->check(inRange(0, 1));
  addSkipOption(*cmd, a->options.skip);
  addSolverOption(*cmd, a->options.solver);
  cmd->add_option("--seed", a->options.seed,
                  "result k uses seed N + k for all its noise (default 0)")
      ->type_name("N")
      ->check(atLeast(0));
  cmd->add_option("--count", a->options.count, "variations from seeds N..N+K-1 (default 1)")
      ->type_name("K")
      ->check(atLeast(1));
  cmd->add_option("--noise", a->noise,
                  "forward: noise the image with the seed; invert: DDIM inversion, keeps the "
                  "content (default forward)")
      ->type_name("forward|invert")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v == "forward" || v == "invert" ? std::string()
                                                   : "expects forward or invert, got '" + v + "'";
          },
          ""));
  addExactInversionOptions(*cmd, a->options.inversion);
  cmd->add_option("--resample", a->options.resample,
                  "RePaint: redo each step J times from q(x_t | x_s) (with --mask; default 0)")
      ->type_name("J")
      ->check(atLeast(0));
  cmd->add_option("--feather", a->options.featherPixels,
                  "soften the mask's edge over PX pixels inside the region (default 0)")
      ->type_name("PX")
      ->check(inRange(0, 1000));
  addGuidanceOption(*cmd, a->guidance,
                    "autoguidance weight for the denoising (inversion uses the model alone); "
                    "default: the model's own with --noise forward, 1 with --noise invert");
  cmd->add_option("--batch", a->batch, "results per network batch (default 64)")
      ->type_name("B")
      ->check(atLeast(1));
  cmd->add_option("--out", a->out,
                  "the result (.png; a grid for --count > 1) or model space, unclamped (.npy, "
                  "[K, C, H, W])")
      ->type_name("OUT.png|OUT.npy")
      ->required();
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runEdit(*a); }};
}

}  // namespace ddim::cli
