// `ddim dataset`, `ddim train`, `ddim evaluate` (issue 3: the project's own default model).
#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "atomic_file.h"
#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "device.h"
#include "errors.h"
#include "evaluate.h"
#include "image_folder.h"
#include "train.h"
#include "unet.h"

#ifdef DDIM_HAVE_DATASET
#include "emoji_dataset.h"
#endif

namespace ddim::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onInterrupt(int) { gStop.store(true); }

std::string formatSeconds(double s) {
  char buf[32];
  const int total = static_cast<int>(s + 0.5);
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", total / 3600, (total / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", total / 60, total % 60);
  return buf;
}

std::vector<int> parseIntList(const std::string& name, const std::string& v) {
  std::vector<int> out;
  if (v.empty() || v == "none") return out;
  size_t start = 0;
  while (true) {
    const size_t end = v.find(',', start);
    const std::string item = v.substr(start, end == std::string::npos ? end : end - start);
    char* stop = nullptr;
    const long x = std::strtol(item.c_str(), &stop, 10);
    if (item.empty() || *stop)
      throw UsageError("--" + name + " expects integers like 1,2,2, got '" + v + "'");
    out.push_back(static_cast<int>(x));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The default recipe's network: see resources/models/emoji32/README.md for why.
ModelConfig modelConfigFromArgs(const CliArgs& args) {
  ModelConfig c;
  if (args.has("config")) {
    c = loadModelConfig(args.get("config"));
    c.guidance = {};  // a guide belongs to that model's folder, not to the one trained here
  } else {
    c.model.ch = 32;
    c.model.chMult = {1, 2, 4, 4};
    c.model.numResBlocks = 1;
    c.model.dropout = 0.0;
    c.diffusion.predictionType = PredictionType::kV;
  }
  if (args.has("image-size")) c.imageSize = args.getInt("image-size", 32);
  if (args.has("ch")) c.model.ch = args.getInt("ch", 32);
  if (args.has("ch-mult")) c.model.chMult = parseIntList("ch-mult", args.get("ch-mult"));
  if (args.has("num-res-blocks")) c.model.numResBlocks = args.getInt("num-res-blocks", 1);
  if (args.has("attn"))
    c.model.attnResolutions = parseIntList("attn", args.get("attn"));
  else if (!args.has("config") && !c.model.chMult.empty() && c.model.chMult.size() < 32) {
    // At a quarter of the image's side (8 at 32 px) when the network reaches it, else its lowest.
    const int lowest = c.imageSize >> (c.model.chMult.size() - 1);
    c.model.attnResolutions = {std::max(lowest, c.imageSize / 4)};
  }
  if (args.has("dropout")) c.model.dropout = args.getDouble("dropout", 0.0);
  if (args.has("prediction"))
    c.diffusion.predictionType = parsePredictionType(args.get("prediction"));
  if (args.has("name")) c.name = args.get("name");
  if (c.name.empty()) c.name = std::filesystem::path(args.get("out")).filename().string();
  c.model.resolution = c.imageSize;
  return c;
}

constexpr const char* kTrainUsage = R"(usage: ddim train --data DIR --out MODEL_DIR [options]
       ddim train --resume MODEL_DIR|CHECKPOINT [--out DIR] [--steps N] [--max-minutes M]

  --data DIR              folder of images (its train/ subfolder when present)
  --out DIR               model folder: config.yml + model.safetensors (EMA), checkpoint/
  --steps N               total steps, also the length of the LR schedule (default 10000)
  --max-minutes M         stop and save after M minutes of this run (default: no limit,
                          also on --resume)
  --batch B               batch size (default 64)
  --lr LR                 peak Adam learning rate (default 1e-3)
  --warmup N              linear warm-up steps (default 200)
  --lr-min-factor F       cosine decay to LR * F (default 0.05)
  --grad-clip G           gradient norm clip, 0 = off (default 1.0)
  --ema-decay MU          EMA decay (default 0.999), with warm-up min(MU, (1+s)/(10+s))
  --snr-gamma G           cap on the low-noise loss weight (default 5; 0 = plain loss)
  --no-flip               no random horizontal flip
  --seed N                (default 0)
  --checkpoint-every N    steps between checkpoints (default 500)
  --checkpoint-minutes M  minutes between checkpoints (default 10)
  --log-every N           steps between progress lines (default 50)
  --config C              start from a model config (YAML) instead of the default network,
                          which is the bundled emoji32's: ch 32, ch_mult 1,2,4,4, 1 res block,
                          attention at a quarter of the image's side (8 for 32 px; the lowest
                          resolution if the network does not reach it), dropout 0, v_prediction
  --ch N --ch-mult 1,2,4,4 --num-res-blocks N --attn 8|16,8|none --dropout P
  --prediction epsilon|v_prediction|sample   --image-size S   --name NAME
  --threads N             CPU threads (default all cores)
Ctrl-C saves a checkpoint and stops; --resume continues exactly where it stopped.
)";

std::vector<std::string> splitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = v.find(',', start);
    out.push_back(v.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

std::string num3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

constexpr const char* kEvaluateUsage =
    R"(usage: ddim evaluate --data DIR [--quick] [model options] [options]

Reproduces the form of the paper's Table 2 (reconstruction error) and Table 1 (sample quality)
on a model and a dataset folder with train/ and test/ (as `ddim dataset emoji` writes).
  --data DIR            dataset folder: test/ is the held-out split, train/ the FD reference
  --recon-steps L       S for Table 2 (default 10,20,50,100,200,500,1000; quick: 10,100)
  --recon-images N      evenly spaced held-out images to reconstruct (default all; quick: 8)
  --fd-steps L          S for Table 1 (default 10,20,50,100; quick: 10,20)
  --etas L              eta values (default 0,0.5,1; quick: 0,1)
  --no-sigma-hat        leave out the sigma-hat row
  --no-recon, --no-fd   leave out Table 2 or Table 1
  --samples N           samples per cell (default 1000; quick: 100)
  --batch B             batch size (default 100)
  --seed N              noise seed (default 0)
  --skip uniform|quad|trailing|linspace|leading
  --guidance W          Table 1 with autoguidance weight W (default 1: the model alone, the
                        paper's form, whatever the model's own default; Table 2 never guides)
  --out FILE.md         also write the report to FILE.md
)";

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
    if (c0.sigmaHat || c0.eta != 0 || c0.steps > 20) continue;
    for (const auto& c1 : cells) {
      if (c1.sigmaHat || c1.eta != 1 || c1.steps != c0.steps) continue;
      out += " S = " + std::to_string(c0.steps) + ": eta = 0 " +
             (c0.fd < c1.fd ? "beats" : "does NOT beat") + " eta = 1 (" + num3(c0.fd) + " vs " +
             num3(c1.fd) + ").";
    }
  }
  return out + "\n";
}

}  // namespace

int runDataset(const std::vector<std::string>& raw) {
  if (raw.empty() || raw[0] != "emoji")
    throw UsageError(
        "usage: ddim dataset emoji --size 32 --out DIR [--test-every 10] [--no-flags]");
  const CliArgs args(std::vector<std::string>(raw.begin() + 1, raw.end()),
                     {"size", "out", "test-every", "font"}, {"no-flags", "quiet"});
#ifdef DDIM_HAVE_DATASET
  EmojiDatasetOptions o;
  o.outDir = args.require("out");
  o.size = args.getInt("size", 32);
  o.testEvery = args.getInt("test-every", 10);
  o.flags = !args.flag("no-flags");
  if (args.has("font")) o.fontPath = args.get("font");
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  ensureGuiApplication();
  Progress progress("render", args.flag("quiet"));
  const EmojiDatasetSummary s =
      buildEmojiDataset(o, [&](int done, int total) { progress.update(done, total); });
  std::printf("emoji dataset: %d train + %d test images (%dx%d), font revision %s, manifest %s\n",
              s.train, s.test, o.size, o.size, s.fontRevision.c_str(), s.manifestPath.c_str());
  return 0;
#else
  (void)args;
  throw Error("dataset: this build has no Qt (configure with DDIM_BUILD_GUI=ON)");
#endif
}

int runTrain(const std::vector<std::string>& raw) {
  if (raw.size() == 1 && (raw[0] == "--help" || raw[0] == "-h")) {
    std::fputs(kTrainUsage, stdout);
    return 0;
  }
  const CliArgs args(raw,
                     {"data",
                      "out",
                      "steps",
                      "max-minutes",
                      "batch",
                      "lr",
                      "warmup",
                      "lr-min-factor",
                      "grad-clip",
                      "ema-decay",
                      "snr-gamma",
                      "seed",
                      "checkpoint-every",
                      "checkpoint-minutes",
                      "log-every",
                      "config",
                      "ch",
                      "ch-mult",
                      "num-res-blocks",
                      "attn",
                      "dropout",
                      "prediction",
                      "image-size",
                      "name",
                      "threads",
                      "resume"},
                     {"no-flip", "quiet"});
  setCpuThreads(args.getInt("threads", 0));
  TrainOptions o;
  if (args.has("resume")) {
    for (const char* fixed : {"data", "batch", "lr", "warmup", "lr-min-factor", "grad-clip",
                              "ema-decay", "snr-gamma", "seed", "config", "ch", "ch-mult",
                              "num-res-blocks", "attn", "dropout", "prediction", "image-size"}) {
      if (args.has(fixed))
        throw UsageError(std::string("--") + fixed +
                         " cannot change on --resume (the checkpoint holds the recipe)");
    }
    o = readCheckpointOptions(args.get("resume"));
    o.outDir = args.has("out")
                   ? args.get("out")
                   : std::filesystem::path(o.resumeFrom).parent_path().parent_path().string();
  } else {
    o.dataDir = std::filesystem::absolute(args.require("data")).string();
    o.outDir = args.require("out");
    o.config = modelConfigFromArgs(args);
    o.batchSize = args.getInt("batch", o.batchSize);
    o.lr = args.getDouble("lr", o.lr);
    o.warmupSteps = args.getInt("warmup", o.warmupSteps);
    o.lrMinFactor = args.getDouble("lr-min-factor", o.lrMinFactor);
    o.gradClip = args.getDouble("grad-clip", o.gradClip);
    o.emaDecay = args.getDouble("ema-decay", o.emaDecay);
    o.snrGamma = args.getDouble("snr-gamma", o.snrGamma);
    o.hflip = !args.flag("no-flip");
    o.seed = args.getU64("seed", o.seed);
  }
  o.steps = args.getInt("steps", args.has("resume") ? o.steps : 10000);
  // A time budget belongs to one invocation: a resumed run has none unless given again.
  o.maxMinutes = args.getDouble("max-minutes", 0);
  o.checkpointEvery = args.getInt("checkpoint-every", o.checkpointEvery);
  o.checkpointMinutes = args.getDouble("checkpoint-minutes", o.checkpointMinutes);
  o.logEvery = args.getInt("log-every", o.logEvery);
  try {
    o.validate();
  } catch (const Error& e) {
    throw UsageError(e.what());
  }

  const bool quiet = args.flag("quiet");
  TrainControl control;
  gStop.store(false);
  control.stop = &gStop;
  control.onMessage = [&](const std::string& m) {
    if (!quiet) std::fprintf(stderr, "%s\n", m.c_str());
  };
  control.onProgress = [&](const TrainProgress& p) {
    if (quiet) return;
    std::fprintf(stderr, "step %d/%d  loss %.5f  lr %.2e  %.2f steps/s  %s left\n", p.step,
                 p.totalSteps, p.loss, p.lr, p.stepsPerSecond,
                 formatSeconds(p.secondsLeft).c_str());
  };
  if (!quiet)
    std::fprintf(stderr, "train: %s -> %s, %d steps, batch %d, %s prediction, %s schedule\n",
                 o.dataDir.c_str(), o.outDir.c_str(), o.steps, o.batchSize,
                 toString(o.config.diffusion.predictionType).c_str(),
                 toString(o.config.diffusion.betaSchedule).c_str());
  auto previous = std::signal(SIGINT, onInterrupt);
  TrainResult r;
  try {
    r = train(o, control);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  std::printf("trained steps %d..%d%s; model %s, checkpoint %s\n", r.startStep, r.endStep,
              r.stopped ? " (interrupted)" : (r.timeLimitReached ? " (time limit)" : ""),
              r.modelDir.c_str(), r.checkpointPath.c_str());
  return r.stopped ? 130 : 0;
}

int runEvaluate(const std::vector<std::string>& raw) {
  if (raw.size() == 1 && (raw[0] == "--help" || raw[0] == "-h")) {
    std::fputs(kEvaluateUsage, stdout);
    return 0;
  }
  const CliArgs args(raw,
                     concat(kModelOptions, {"data", "recon-steps", "recon-images", "fd-steps",
                                            "etas", "samples", "batch", "seed", "skip", "out",
                                            "guidance"}),
                     {"quick", "no-sigma-hat", "no-recon", "no-fd", "quiet"});
  const bool quick = args.flag("quick"), quiet = args.flag("quiet");
  const std::string dataDir = args.require("data");
  const std::vector<int> reconSteps = args.has("recon-steps") ? args.getIntList("recon-steps")
                                      : quick                 ? std::vector<int>{10, 100}
                                              : std::vector<int>{10, 20, 50, 100, 200, 500, 1000};
  SampleQualityOptions q;
  if (args.has("fd-steps"))
    q.steps = args.getIntList("fd-steps");
  else if (quick)
    q.steps = {10, 20};
  if (args.has("etas")) {
    q.etas.clear();
    for (const std::string& e : splitList(args.get("etas"))) {
      char* end = nullptr;
      const double eta = std::strtod(e.c_str(), &end);
      if (e.empty() || *end || eta < 0 || eta > 1)
        throw UsageError("--etas expects numbers in [0, 1] like 0,0.5,1, got '" + args.get("etas") +
                         "'");
      q.etas.push_back(eta);
    }
  } else if (quick) {
    q.etas = {0.0, 1.0};
  }
  q.sigmaHat = !args.flag("no-sigma-hat");
  q.numSamples = args.getInt("samples", quick ? 100 : 1000);
  q.batchSize = args.getInt("batch", 100);
  q.seed = args.getU64("seed", 0);
  q.skip = skipFromArgs(args);
  const int reconImages = args.getInt("recon-images", quick ? 8 : 0);

  const LoadedModel model = loadModelFromArgs(args);
  const double guidance = args.getDouble("guidance", 1.0);
  if (guidance != 1.0) (void)guidanceFromArgs(args, model);  // range and guide checks
  const int size = model.config.imageSize;
  const auto testDir = std::filesystem::path(dataDir) / "test";
  if (!std::filesystem::is_directory(testDir))
    throw Error(dataDir + ": no test/ folder (the held-out split `ddim dataset` writes)");
  std::vector<std::string> testFiles = listImageFiles(testDir.string());
  if (reconImages > 0 && testFiles.size() > static_cast<size_t>(reconImages)) {
    std::vector<std::string> spread;  // evenly spaced over the split, not just its first files
    for (int i = 0; i < reconImages; ++i)
      spread.push_back(testFiles[i * testFiles.size() / reconImages]);
    testFiles = spread;
  }
  const at::Tensor test = loadImages(testFiles, size).to(model.device);
  const at::Tensor train = loadImageFolder(dataDir, size);

  const std::string header = "Model: " + model.name + " (" + model.weightsPath + "), " +
                             std::to_string(model.parameterCount) + " parameters, " +
                             toString(model.config.diffusion.predictionType) +
                             " prediction, skip " + toString(q.skip) + "." +
                             (guidance != 1.0 ? " Table 1 with autoguidance by " + model.guideName +
                                                    " (" + model.guideWeightsPath + "), weight " +
                                                    num3(guidance) + "."
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
  if (!args.flag("no-recon")) {
    emit(
        "### Reconstruction error (Table 2 form)\n\nDDIM inversion then DDIM sampling (eta = 0) "
        "with S steps each way, " +
        std::to_string(testFiles.size()) + " held-out images of " + dataDir + "/test.\n\n");
    rows =
        evaluateReconstruction(model.denoiser, model.schedule, test, reconSteps, q.skip,
                               q.batchSize, {}, [&](const ReconstructionRow& r) {
                                 if (!quiet)
                                   std::fprintf(stderr, "S=%d: MSE %.6f, PSNR %.2f dB (%.0f s)\n",
                                                r.steps, r.mse, r.psnr, r.seconds);
                               });
    emit(reconstructionTable(rows) + "\n");
  }
  std::vector<SampleQualityCell> cells;
  if (!args.flag("no-fd")) {
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
  if (args.has("out")) writeFileAtomic(args.get("out"), report);
  return 0;
}

}  // namespace ddim::cli
