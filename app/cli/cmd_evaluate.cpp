// ddim evaluate: the paper's Table 2 (reconstruction) and Table 1 (sample quality) forms.
#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "io/atomic_file.h"
#include "io/image_folder.h"
#include "training/evaluate.h"
#include "training/frechet.h"

namespace ddim::cli {
namespace {

struct EvaluateArgs {
  ModelArgs model;
  std::string data;
  bool quick = false;
  std::vector<int> reconSteps;  // empty: the defaults
  std::vector<int> exactSteps;  // empty: the defaults
  bool noExact = false;
  InvertOptions exact = [] {
    InvertOptions o;
    o.method = InversionMethod::kExact;
    return o;
  }();
  std::optional<int> reconImages;
  std::vector<int> fdSteps;
  std::vector<double> etas;
  bool noSigmaHat = false;
  std::vector<int> dpmSteps = {10, 20};
  bool noDpm = false;
  SkipType dpmSkip = SkipType::kLogSnr;
  bool noRecon = false;
  bool noFd = false;
  std::optional<int> samples;
  int batch = 100;
  uint64_t seed = 0;
  SkipType skip = SkipType::kUniform;
  std::optional<double> guidance;
  std::optional<std::string> out;
};

std::string num(const char* format, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string num3(double v) { return num("%.3f", v); }

// The paper's two expectations, stated as measured.
std::string verdicts(const std::vector<ReconstructionRow>& rows,
                     const std::vector<SampleQualityCell>& cells) {
  std::string out = "Measured:";
  if (rows.size() > 1) {
    bool falls = true;
    for (size_t i = 1; i < rows.size(); ++i) falls &= rows[i].mse < rows[i - 1].mse;
    out += std::string(" reconstruction error ") + (falls ? "falls" : "does NOT fall") +
           " monotonically as S grows.";
  }
  for (const auto& c0 : cells) {
    if (c0.sigmaHat || c0.dpmSolver || c0.eta != 0 || c0.steps > 20) continue;
    for (const auto& c1 : cells) {
      if (c1.sigmaHat || c1.dpmSolver || c1.eta != 1 || c1.steps != c0.steps) continue;
      out += " S = " + std::to_string(c0.steps) + ": eta = 0 " +
             (c0.fd < c1.fd ? "beats" : "does NOT beat") + " eta = 1 (" + num3(c0.fd) + " vs " +
             num3(c1.fd) + ").";
    }
  }
  return out + "\n";
}

int runEvaluate(const EvaluateArgs& a) {
  const bool quick = a.quick, quiet = a.model.quiet;
  const std::vector<int> reconSteps = !a.reconSteps.empty() ? a.reconSteps
                                      : quick               ? std::vector<int>{10, 100}
                                              : std::vector<int>{10, 20, 50, 100, 200, 500, 1000};
  SampleQualityOptions q;
  if (!a.fdSteps.empty())
    q.steps = a.fdSteps;
  else if (quick)
    q.steps = {10, 20};
  if (!a.etas.empty())
    q.etas = a.etas;
  else if (quick)
    q.etas = {0.0, 1.0};
  q.sigmaHat = !a.noSigmaHat;
  q.dpmSolverSteps = a.noDpm ? std::vector<int>{} : a.dpmSteps;
  q.dpmSolverSkip = a.dpmSkip;
  q.numSamples = a.samples.value_or(quick ? 100 : 1000);
  q.batchSize = a.batch;
  q.seed = a.seed;
  q.skip = a.skip;
  const int reconImages = a.reconImages.value_or(quick ? 8 : 0);
  const std::vector<int> exactSteps = !a.exactSteps.empty() ? a.exactSteps
                                      : quick               ? std::vector<int>{10}
                                                            : std::vector<int>{10, 20, 50, 100};

  const LoadedModel model = loadModelFromArgs(a.model);
  // Table 1 in the paper's form unless asked: the model alone, whatever its own default.
  const double guidance = a.guidance ? guidanceFor(a.guidance, model) : 1.0;
  const int size = model.config.imageSize;
  const auto testDir = std::filesystem::path(a.data) / "test";
  if (!std::filesystem::is_directory(testDir))
    throw Error(a.data + ": no test/ folder (the held-out split `ddim dataset` writes)");
  std::vector<std::string> testFiles = listImageFiles(testDir.string());
  if (reconImages > 0 && testFiles.size() > static_cast<size_t>(reconImages)) {
    std::vector<std::string> spread;  // evenly spaced over the split, not just its first files
    for (int i = 0; i < reconImages; ++i)
      spread.push_back(testFiles[i * testFiles.size() / reconImages]);
    testFiles = spread;
  }
  const at::Tensor test = loadImages(testFiles, size).to(model.device);
  const at::Tensor train = loadImageFolder(a.data, size);

  const std::string header =
      "Model: " + model.name + " (" + model.weightsPath + "), " +
      std::to_string(model.parameterCount) + " parameters, " +
      toString(model.config.diffusion.predictionType) + " prediction, skip " + toString(q.skip) +
      "." +
      (guidance != 1.0 ? " Table 1 with autoguidance by " + model.guideName + " (" +
                             model.guideWeightsPath + "), weight " + num3(guidance) + "."
                       : std::string()) +
      "\n\n";
  std::string report;
  auto emit = [&](const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    report += text;
  };
  emit(header);
  std::vector<ReconstructionRow> rows;
  if (!a.noRecon) {
    emit(
        "### Reconstruction error (Table 2 form)\n\nDDIM inversion then DDIM sampling (eta = 0) "
        "with S steps each way, " +
        std::to_string(testFiles.size()) + " held-out images of " + a.data + "/test.\n\n");
    rows =
        evaluateReconstruction(model.fullPrecision(), model.schedule, test, reconSteps, q.skip,
                               q.batchSize, {}, [&](const ReconstructionRow& r) {
                                 if (!quiet)
                                   std::fprintf(stderr, "S=%d: MSE %.6f, PSNR %.2f dB (%.0f s)\n",
                                                r.steps, r.mse, r.psnr, r.seconds);
                               });
    emit(reconstructionTable(rows) + "\n");
    if (!a.noExact) {
      InvertOptions exact = a.exact;
      exact.skip = q.skip;
      emit(
          "Exact inversion (each step solved so that the DDIM step from it lands on the previous "
          "point: fixed point with Anderson acceleration, tolerance " +
          num("%.2g", exact.tolerance) + " RMS, at most " + std::to_string(exact.maxIterations) +
          " calls a step), then the same plain DDIM sampling, on the same images, one image at a "
          "time as `ddim invert --exact` does (in a batch every image iterates until the worst "
          "one converges):\n\n");
      const std::vector<ReconstructionRow> exactRows = evaluateReconstruction(
          model.denoiser, model.schedule, test, exactSteps, exact, /*batchSize=*/1, {},
          [&](const ReconstructionRow& r) {
            if (!quiet)
              std::fprintf(stderr,
                           "exact S=%d: PSNR %.2f dB, worst %.2f dB, %.2f calls a step "
                           "(%.0f s)\n",
                           r.steps, r.psnr, r.worstPsnr, r.callsPerStep, r.seconds);
          });
      emit(reconstructionTable(exactRows, true) + "\n");
    }
  }
  std::vector<SampleQualityCell> cells;
  if (!a.noFd) {
    FrechetFeatures features;
    features.normaliseTo(features(train));
    const GaussianStats reference = gaussianStats(features(train));
    const std::vector<std::string> allTest = listImageFiles(testDir.string());
    const double testFd =
        frechetDistance(gaussianStats(features(loadImages(allTest, size))), reference);
    emit("### Sample quality (Table 1 form)\n\nFrechet distance (lower is better) between " +
         std::to_string(q.numSamples) + " samples (seed " + std::to_string(q.seed) +
         ", same x_T in every cell) and the " + std::to_string(train.size(0)) +
         " training images, in the fixed feature space of core/frechet.h (8x8 pixels, RGB "
         "histogram, random-conv texture statistics; each block normalised to unit variance on "
         "the training set). For scale: the " +
         std::to_string(allTest.size()) + " held-out test images score " + num3(testFd) + ".\n\n");
    cells = evaluateSampleQuality(model.sampling(guidance), model.schedule, features, reference,
                                  model.config.channels, size, model.device, q, {},
                                  [&](const SampleQualityCell& c) {
                                    if (!quiet)
                                      std::fprintf(stderr, "%s S=%d: FD %.3f (%.0f s)\n",
                                                   c.sampler.c_str(), c.steps, c.fd, c.seconds);
                                  });
    emit(sampleQualityTable(cells) + "\n");
  }
  emit(verdicts(rows, cells));
  if (a.out) writeFileAtomic(*a.out, report);
  return 0;
}

}  // namespace

Command addEvaluateCommand(CLI::App& ddim) {
  auto a = std::make_shared<EvaluateArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "evaluate",
      "the paper's Table 2 (reconstruction) and Table 1 (sample quality) forms on a dataset");
  cmd->footer(
      "\nReproduces the form of the paper's Table 2 (reconstruction error) and Table 1 (sample\n"
      "quality) on a model and a dataset folder with train/ and test/ (as `ddim dataset emoji`\n"
      "writes).");
  cmd->add_option("--data", a->data,
                  "dataset folder: test/ is the held-out split, train/ the FD reference")
      ->type_name("DIR")
      ->required();
  cmd->add_flag("--quick", a->quick, "smaller defaults, marked 'quick' below");
  cmd->add_option("--recon-steps", a->reconSteps,
                  "S for Table 2 (default 10,20,50,100,200,500,1000; quick: 10,100)")
      ->type_name("L")
      ->delimiter(',')
      ->check(atLeast(1));
  cmd->add_option("--exact-steps", a->exactSteps,
                  "S for the exact-inversion rows of Table 2 (default 10,20,50,100; quick: 10)")
      ->type_name("L")
      ->delimiter(',')
      ->check(atLeast(1));
  cmd->add_flag("--no-exact", a->noExact, "leave out the exact-inversion rows");
  cmd->add_option("--tolerance", a->exact.tolerance,
                  "exact rows: a step is done when sampling it back misses by less (RMS)")
      ->type_name("R")
      ->check(inRange(1e-9, 1));
  cmd->add_option("--iterations", a->exact.maxIterations,
                  "exact rows: network calls a step, at most")
      ->type_name("N")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--recon-images", a->reconImages,
                  "evenly spaced held-out images to reconstruct (default all; quick: 8)")
      ->type_name("N")
      ->check(atLeast(0));
  cmd->add_option("--fd-steps", a->fdSteps, "S for Table 1 (default 10,20,50,100; quick: 10,20)")
      ->type_name("L")
      ->delimiter(',')
      ->check(atLeast(1));
  cmd->add_option("--etas", a->etas, "eta values (default 0,0.5,1; quick: 0,1)")
      ->type_name("L")
      ->delimiter(',')
      ->check(inRange(0, 1));
  cmd->add_flag("--no-sigma-hat", a->noSigmaHat, "leave out the sigma-hat row");
  cmd->add_option("--dpm-steps", a->dpmSteps,
                  "S for the DPM-Solver++(2M) row of Table 1 (default 10,20)")
      ->type_name("L")
      ->delimiter(',')
      ->check(atLeast(1));
  addSkipOption(*cmd, a->dpmSkip, "--dpm-skip",
                "step schedule of the DPM-Solver++(2M) row (default logsnr)");
  cmd->add_flag("--no-dpm", a->noDpm, "leave out the DPM-Solver++(2M) row")
      ->excludes("--dpm-steps");
  cmd->add_flag("--no-recon", a->noRecon, "leave out Table 2 (and its exact-inversion rows)");
  cmd->add_flag("--no-fd", a->noFd, "leave out Table 1");
  cmd->add_option("--samples", a->samples, "samples per cell (default 1000; quick: 100)")
      ->type_name("N")
      ->check(atLeast(1));
  cmd->add_option("--batch", a->batch, "batch size (default 100)")
      ->type_name("B")
      ->check(atLeast(1));
  cmd->add_option("--seed", a->seed, "noise seed (default 0)")->type_name("N")->check(atLeast(0));
  addSkipOption(*cmd, a->skip);
  addGuidanceOption(*cmd, a->guidance,
                    "Table 1 with autoguidance weight W (default 1: the model alone, the "
                    "paper's form, whatever the model's own default; Table 2 never guides)");
  cmd->add_option("--out", a->out, "also write the report to FILE.md")->type_name("FILE.md");
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runEvaluate(*a); }};
}

}  // namespace ddim::cli
