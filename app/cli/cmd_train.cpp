// ddim train: trains a model (issue 3: the project's own default model).
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "model/device.h"
#include "model/model_config.h"
#include "training/train.h"

namespace ddim::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onInterrupt(int) { gStop.store(true); }

// The network options; without any, the bundled emoji32's network.
struct NetworkArgs {
  std::optional<std::string> config;
  std::optional<int> imageSize;
  std::optional<int> ch;
  std::vector<int> chMult;
  std::optional<int> numResBlocks;
  std::optional<std::string> attn;
  std::optional<double> dropout;
  std::optional<std::string> prediction;
  std::optional<std::string> name;
};

struct TrainArgs {
  std::optional<std::string> data;
  std::optional<std::string> out;
  std::optional<std::string> resume;
  TrainOptions recipe;  // batch, optimiser, EMA, loss, flip, seed: bound to the options directly
  NetworkArgs network;
  // The per-run settings, which a resumed run may change.
  std::optional<int> steps;
  std::optional<double> maxMinutes;
  std::optional<int> checkpointEvery;
  std::optional<double> checkpointMinutes;
  std::optional<int> logEvery;
  int threads = 0;
  bool quiet = false;
};

// The recipe lives in the checkpoint: these cannot change on --resume.
constexpr const char* kRecipeOptions[] = {
    "--data",      "--batch",     "--lr",   "--warmup",  "--lr-min-factor",  "--grad-clip",
    "--ema-decay", "--snr-gamma", "--seed", "--no-flip", "--config",         "--ch",
    "--ch-mult",   "--attn",      "--name", "--dropout", "--num-res-blocks", "--prediction",
    "--image-size"};

std::string formatSeconds(double s) {
  char buf[32];
  const int total = static_cast<int>(s + 0.5);
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", total / 3600, (total / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", total / 60, total % 60);
  return buf;
}

// "8", "16,8" or "none".
std::vector<int> parseResolutions(const std::string& text) {
  std::vector<int> out;
  if (text.empty() || text == "none") return out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(',', start);
    const std::string item = text.substr(start, end == std::string::npos ? end : end - start);
    char* stop = nullptr;
    const long x = std::strtol(item.c_str(), &stop, 10);
    if (item.empty() || *stop)
      throw UsageError("--attn expects resolutions like 16,8 or none, got '" + text + "'");
    out.push_back(static_cast<int>(x));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// The default recipe's network: see resources/models/emoji32/README.md for why.
ModelConfig modelConfigFrom(const NetworkArgs& n, const std::string& outDir) {
  ModelConfig c;
  if (n.config) {
    c = loadModelConfig(*n.config);
    c.guidance = {};  // a guide belongs to that model's folder, not to the one trained here
  } else {
    c.model.ch = 32;
    c.model.chMult = {1, 2, 4, 4};
    c.model.numResBlocks = 1;
    c.model.dropout = 0.0;
    c.diffusion.predictionType = PredictionType::kV;
  }
  c.imageSize = n.imageSize.value_or(c.imageSize);
  c.model.ch = n.ch.value_or(c.model.ch);
  if (!n.chMult.empty()) c.model.chMult = n.chMult;
  c.model.numResBlocks = n.numResBlocks.value_or(c.model.numResBlocks);
  if (n.attn) {
    c.model.attnResolutions = parseResolutions(*n.attn);
  } else if (!n.config && !c.model.chMult.empty() && c.model.chMult.size() < 32) {
    // At a quarter of the image's side (8 at 32 px) when the network reaches it, else its lowest.
    const int lowest = c.imageSize >> (c.model.chMult.size() - 1);
    c.model.attnResolutions = {std::max(lowest, c.imageSize / 4)};
  }
  c.model.dropout = n.dropout.value_or(c.model.dropout);
  if (n.prediction) c.diffusion.predictionType = parsePredictionType(*n.prediction);
  if (n.name) c.name = *n.name;
  if (c.name.empty()) c.name = std::filesystem::path(outDir).filename().string();
  c.model.resolution = c.imageSize;
  return c;
}

TrainOptions trainOptionsFrom(const TrainArgs& a, const CLI::App& cmd) {
  TrainOptions o;
  if (a.resume) {
    for (const char* fixed : kRecipeOptions)
      if (cmd.count(fixed) > 0)
        throw UsageError(std::string(fixed) +
                         " cannot change on --resume (the checkpoint holds the recipe)");
    o = readCheckpointOptions(*a.resume);
    o.outDir =
        a.out ? *a.out : std::filesystem::path(o.resumeFrom).parent_path().parent_path().string();
  } else {
    if (!a.data) throw UsageError("missing --data");
    if (!a.out) throw UsageError("missing --out");
    o = a.recipe;
    o.dataDir = std::filesystem::absolute(*a.data).string();
    o.outDir = *a.out;
    o.config = modelConfigFrom(a.network, *a.out);
  }
  o.steps = a.steps.value_or(o.steps);
  // A time budget belongs to one invocation: a resumed run has none unless given again.
  o.maxMinutes = a.maxMinutes.value_or(0);
  o.checkpointEvery = a.checkpointEvery.value_or(o.checkpointEvery);
  o.checkpointMinutes = a.checkpointMinutes.value_or(o.checkpointMinutes);
  o.logEvery = a.logEvery.value_or(o.logEvery);
  try {
    o.validate();
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return o;
}

int runTrain(const TrainArgs& a, const CLI::App& cmd) {
  setCpuThreads(a.threads);
  const TrainOptions o = trainOptionsFrom(a, cmd);
  const bool quiet = a.quiet;
  TrainControl control;
  gStop.store(false);
  control.stop = &gStop;
  control.onMessage = [quiet](const std::string& m) {
    if (!quiet) std::fprintf(stderr, "%s\n", m.c_str());
  };
  control.onProgress = [quiet](const TrainProgress& p) {
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

}  // namespace

Command addTrainCommand(CLI::App& ddim) {
  auto a = std::make_shared<TrainArgs>();
  TrainOptions& r = a->recipe;
  NetworkArgs& n = a->network;
  CLI::App* cmd = ddim.add_subcommand(
      "train", "train a model (--data DIR --out MODEL_DIR), or continue one (--resume)");
  cmd->footer(
      "\nddim train --data DIR --out MODEL_DIR [options]\n"
      "ddim train --resume MODEL_DIR|CHECKPOINT [--out DIR] [--steps N] [--max-minutes M]\n"
      "Ctrl-C saves a checkpoint and stops; --resume continues exactly where it stopped.\n"
      "The default network is the bundled emoji32's: ch 32, ch_mult 1,2,4,4, 1 res block,\n"
      "attention at a quarter of the image's side (8 for 32 px; the lowest resolution if the\n"
      "network does not reach it), dropout 0, v_prediction.");
  cmd->add_option("--data", a->data, "folder of images (its train/ subfolder when present)")
      ->type_name("DIR");
  cmd->add_option("--out", a->out,
                  "model folder: config.yml + model.safetensors (EMA), checkpoint/")
      ->type_name("DIR");
  cmd->add_option("--resume", a->resume,
                  "continue from a model folder's checkpoint (or a checkpoint file); the "
                  "checkpoint holds the recipe")
      ->type_name("MODEL_DIR|CHECKPOINT");
  cmd->add_option("--steps", a->steps,
                  "total steps, also the length of the LR schedule (default 10000)")
      ->type_name("N")
      ->check(atLeast(1));
  cmd->add_option("--max-minutes", a->maxMinutes,
                  "stop and save after M minutes of this run (default: no limit, also on "
                  "--resume)")
      ->type_name("M");
  cmd->add_option("--batch", r.batchSize, "batch size")->type_name("B")->capture_default_str();
  cmd->add_option("--lr", r.lr, "peak Adam learning rate")->type_name("LR")->capture_default_str();
  cmd->add_option("--warmup", r.warmupSteps, "linear warm-up steps")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--lr-min-factor", r.lrMinFactor, "cosine decay to LR * F")
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--grad-clip", r.gradClip, "gradient norm clip, 0 = off")
      ->type_name("G")
      ->capture_default_str();
  cmd->add_option("--ema-decay", r.emaDecay, "EMA decay, with warm-up min(MU, (1+s)/(10+s))")
      ->type_name("MU")
      ->capture_default_str();
  cmd->add_option("--snr-gamma", r.snrGamma, "cap on the low-noise loss weight (0 = plain loss)")
      ->type_name("G")
      ->capture_default_str();
  cmd->add_flag_callback(
      "--no-flip", [a] { a->recipe.hflip = false; }, "no random horizontal flip");
  cmd->add_option("--seed", r.seed, "all randomness of step s derives from (seed, s)")
      ->type_name("N")
      ->check(atLeast(0))
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", a->checkpointEvery,
                  "steps between checkpoints (default 500)")
      ->type_name("N");
  cmd->add_option("--checkpoint-minutes", a->checkpointMinutes,
                  "minutes between checkpoints (default 10)")
      ->type_name("M");
  cmd->add_option("--log-every", a->logEvery, "steps between progress lines (default 50)")
      ->type_name("N");
  const std::string network = "Network (default: the bundled emoji32's)";
  cmd->add_option("--config", n.config,
                  "start from a model config (YAML) instead of the default network")
      ->type_name("C")
      ->group(network);
  cmd->add_option("--image-size", n.imageSize, "image side (default 32)")
      ->type_name("S")
      ->group(network);
  cmd->add_option("--ch", n.ch, "base channels")->type_name("N")->group(network);
  cmd->add_option("--ch-mult", n.chMult, "channel multipliers per resolution")
      ->type_name("1,2,4,4")
      ->delimiter(',')
      ->group(network);
  cmd->add_option("--num-res-blocks", n.numResBlocks, "res blocks per resolution")
      ->type_name("N")
      ->group(network);
  cmd->add_option("--attn", n.attn, "attention resolutions")
      ->type_name("8|16,8|none")
      ->group(network);
  cmd->add_option("--dropout", n.dropout, "dropout")->type_name("P")->group(network);
  cmd->add_option("--prediction", n.prediction, "what the network predicts")
      ->type_name("epsilon|v_prediction|sample")
      ->group(network);
  cmd->add_option("--name", n.name, "model name (default: the --out folder's name)")
      ->group(network);
  cmd->add_option("--threads", a->threads, "CPU threads (default all cores)")->type_name("N");
  cmd->add_flag("--quiet", a->quiet, "no progress on stderr");
  return {cmd, [a, cmd] { return runTrain(*a, *cmd); }};
}

}  // namespace ddim::cli
