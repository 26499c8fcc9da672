#pragma once

#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace ddim {

/// The DDPM training recipe (ddim-facts.md §5b) with the choices a small model on two CPU cores
/// needs: any prediction type, a warm-up then cosine learning rate, a capped loss weight for the
/// low-noise steps, and EMA with warm-up.
struct TrainOptions {
  std::string dataDir;    // a folder of images (a `train/` subfolder is used when present)
  std::string outDir;     // the model folder: config.yml, model.safetensors, checkpoint/
  ModelConfig config;     // network, schedule and prediction type
  int steps = 10000;      // total steps; also the length of the learning-rate schedule
  double maxMinutes = 0;  // stop (and save) after this much wall time; 0: no limit
  int batchSize = 64;
  double lr = 1e-3;           // peak Adam learning rate
  int warmupSteps = 200;      // linear warm-up from 0
  double lrMinFactor = 0.05;  // cosine decay from lr to lr * lrMinFactor at `steps`
  double adamBeta1 = 0.9;
  double adamBeta2 = 0.999;
  double adamEps = 1e-8;
  double gradClip = 1.0;  // global gradient norm; 0 disables
  double emaDecay = 0.999;
  bool emaWarmup = true;      // decay = min(emaDecay, (1 + step) / (10 + step))
  double snrGamma = 5.0;      // cap on the loss weight of the low-noise steps; 0 disables
  bool hflip = true;          // random horizontal flip
  uint64_t seed = 0;          // all randomness of step s derives from (seed, s)
  int checkpointEvery = 500;  // steps between checkpoints (0: only time-based and at the end)
  double checkpointMinutes = 10;
  int logEvery = 50;       // steps between progress reports
  std::string resumeFrom;  // a checkpoint to continue from exactly; empty: start fresh
  void validate() const;   // throws ddim::Error naming the field
};

/// Reported every `logEvery` steps and at the end.
struct TrainProgress {
  int step = 0;  // steps done
  int totalSteps = 0;
  double loss = 0;  // mean weighted loss over the steps since the last report
  double lr = 0;
  double stepsPerSecond = 0;
  double secondsLeft = 0;  // until `steps` or `maxMinutes`, whichever comes first
};

struct TrainControl {
  const std::atomic<bool>* stop = nullptr;  // when set: save a checkpoint and return
  std::function<void(const TrainProgress&)> onProgress;
  std::function<void(const std::string& message)> onMessage;  // checkpoints written, data loaded
};

struct TrainResult {
  int startStep = 0;
  int endStep = 0;
  bool stopped = false;  // by the stop token
  bool timeLimitReached = false;
  std::vector<double> losses;  // the weighted loss of each step this call ran
  std::string checkpointPath;
  std::string modelDir;
};

/// Trains (or resumes) and writes the model folder (config.yml + model.safetensors holding the
/// EMA weights) and outDir/checkpoint/state.safetensors (model, EMA, Adam moments, step, recipe)
/// at every checkpoint, atomically. Resuming from a checkpoint reproduces the uninterrupted run
/// exactly (same threads): all randomness of a step derives from (seed, step).
TrainResult train(const TrainOptions& options, const TrainControl& control = {});

/// The options a checkpoint was written with (resumeFrom set to `path`).
[[nodiscard]] TrainOptions readCheckpointOptions(const std::string& path);

/// `path` itself, or the checkpoint inside a model folder written by `train`.
[[nodiscard]] std::string checkpointPathFor(const std::string& path);

/// Learning rate at step s (0-based): warm-up, then cosine decay.
[[nodiscard]] double learningRateAt(const TrainOptions& options, int step);

/// Loss weight per sample from alpha-bar a, snr = a / (1 - a); gamma = 0 gives weight 1.
/// v and sample: the weight that makes the loss (min(snr, gamma) + 1) ||x0 - x0_hat||^2, which is
/// the plain v-loss ((snr + 1) ||x0 - x0_hat||^2) with its low-noise end capped, so the high-noise
/// steps keep full weight. eps: min(snr, gamma) / snr (min-SNR-gamma, Hang et al. 2023).
/// a: [B] float -> [B].
[[nodiscard]] at::Tensor lossWeight(const at::Tensor& alphaBar, PredictionType prediction,
                                    double gamma);

}  // namespace ddim
