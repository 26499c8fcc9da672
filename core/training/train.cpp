#include "training/train.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "diffusion/schedule.h"
#include "errors.h"
#include "io/atomic_file.h"
#include "io/image_folder.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "model/unet.h"

namespace ddim {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCheckpointFile = "checkpoint/state.safetensors";

// splitmix64: decorrelated seeds from (seed, stream, index).
uint64_t mixSeed(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t z = seed ^ (stream * 0x9E3779B97F4A7C15ULL) ^ (index * 0xD1B54A32D192ED03ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
enum Stream : uint64_t { kEpochPerm = 1, kStepNoise = 2, kDropout = 3 };

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fmt(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

// The recipe as safetensors metadata, so that a checkpoint resumes with what it was written with.
std::map<std::string, std::string> optionsToMetadata(const TrainOptions& o) {
  return {{"data_dir", o.dataDir},
          {"steps", std::to_string(o.steps)},
          {"max_minutes", fmt(o.maxMinutes)},
          {"batch_size", std::to_string(o.batchSize)},
          {"lr", fmt(o.lr)},
          {"warmup_steps", std::to_string(o.warmupSteps)},
          {"lr_min_factor", fmt(o.lrMinFactor)},
          {"adam_beta1", fmt(o.adamBeta1)},
          {"adam_beta2", fmt(o.adamBeta2)},
          {"adam_eps", fmt(o.adamEps)},
          {"grad_clip", fmt(o.gradClip)},
          {"ema_decay", fmt(o.emaDecay)},
          {"ema_warmup", o.emaWarmup ? "1" : "0"},
          {"snr_gamma", fmt(o.snrGamma)},
          {"hflip", o.hflip ? "1" : "0"},
          {"seed", std::to_string(o.seed)},
          {"checkpoint_every", std::to_string(o.checkpointEvery)},
          {"checkpoint_minutes", fmt(o.checkpointMinutes)},
          {"log_every", std::to_string(o.logEvery)},
          {"config_yaml", modelConfigToYaml(o.config)}};
}

struct TrainState {
  UNet model{nullptr};
  UNet ema{nullptr};
  std::vector<at::Tensor> params, emaParams, adamM, adamV;
  int step = 0;
};

void writeCheckpoint(const TrainState& s, const TrainOptions& o, const std::string& path) {
  StateDict dict;
  const auto names = s.model->named_parameters(true).keys();
  for (size_t i = 0; i < names.size(); ++i) dict.emplace_back("model." + names[i], s.params[i]);
  for (size_t i = 0; i < names.size(); ++i) dict.emplace_back("ema." + names[i], s.emaParams[i]);
  for (size_t i = 0; i < names.size(); ++i) dict.emplace_back("adam_m." + names[i], s.adamM[i]);
  for (size_t i = 0; i < names.size(); ++i) dict.emplace_back("adam_v." + names[i], s.adamV[i]);
  auto meta = optionsToMetadata(o);
  meta["step"] = std::to_string(s.step);
  meta["format"] = "ddim-studio training checkpoint 1";
  fs::create_directories(fs::path(path).parent_path());
  writeSafetensors(path, dict, meta);
}

void readCheckpointInto(TrainState& s, const std::string& path) {
  const StateDict dict = readSafetensors(path);
  const auto meta = readSafetensorsMetadata(path);
  const auto names = s.model->named_parameters(true).keys();
  torch::NoGradGuard noGrad;
  auto copy = [&](const std::string& prefix, std::vector<at::Tensor>& dst) {
    for (size_t i = 0; i < names.size(); ++i) {
      const at::Tensor* t = findTensor(dict, prefix + names[i]);
      if (!t) throw Error(path + ": checkpoint lacks '" + prefix + names[i] + "'");
      if (!t->sizes().equals(dst[i].sizes()))
        throw Error(path + ": '" + prefix + names[i] + "' has the wrong shape");
      dst[i].copy_(*t);
    }
  };
  copy("model.", s.params);
  copy("ema.", s.emaParams);
  copy("adam_m.", s.adamM);
  copy("adam_v.", s.adamV);
  s.step = std::stoi(meta.at("step"));
}

void writeModelFolder(const TrainState& s, const TrainOptions& o) {
  fs::create_directories(o.outDir);
  saveModelConfig(o.config, (fs::path(o.outDir) / "config.yml").string());
  writeSafetensors(
      (fs::path(o.outDir) / "model.safetensors").string(), stateDictOf(*s.ema),
      {{"step", std::to_string(s.step)}, {"weights", "EMA"}, {"format", "ddim-studio model 1"}});
}

// Indices of the batch at `step`: a fresh permutation of the data every epoch, derived from
// (seed, epoch), walked batch by batch across epoch boundaries.
class BatchIndexer {
 public:
  BatchIndexer(int64_t n, uint64_t seed) : n_(n), seed_(seed) {}
  at::Tensor indices(int step, int batch) {
    std::vector<int64_t> out(batch);
    for (int i = 0; i < batch; ++i) {
      const int64_t pos = int64_t{step} * batch + i;
      const int64_t epoch = pos / n_;
      if (epoch != cachedEpoch_) {
        auto gen = at::detail::createCPUGenerator(mixSeed(seed_, kEpochPerm, epoch));
        perm_ = at::randperm(n_, gen, at::kLong);
        cachedEpoch_ = epoch;
      }
      out[i] = perm_.data_ptr<int64_t>()[pos % n_];
    }
    return torch::tensor(out, at::kLong);
  }

 private:
  int64_t n_;
  uint64_t seed_;
  int64_t cachedEpoch_ = -1;
  at::Tensor perm_;
};

}  // namespace

void TrainOptions::validate() const {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw Error("train options: " + what);
  };
  check(!dataDir.empty(), "data folder missing");
  check(!outDir.empty(), "output folder missing");
  check(steps > 0, "steps must be > 0, got " + std::to_string(steps));
  check(maxMinutes >= 0, "max minutes must be >= 0");
  check(batchSize > 0, "batch size must be > 0, got " + std::to_string(batchSize));
  check(lr > 0, "lr must be > 0");
  check(warmupSteps >= 0, "warm-up steps must be >= 0");
  check(lrMinFactor >= 0 && lrMinFactor <= 1, "lr min factor must be in [0, 1]");
  check(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1, "Adam betas in [0, 1)");
  check(gradClip >= 0, "grad clip must be >= 0");
  check(emaDecay >= 0 && emaDecay < 1, "EMA decay must be in [0, 1)");
  check(snrGamma >= 0, "SNR gamma must be >= 0");
  check(checkpointEvery >= 0 && checkpointMinutes >= 0, "checkpoint cadence must be >= 0");
  check(logEvery > 0, "log interval must be > 0");
  config.validate();
}

double learningRateAt(const TrainOptions& o, int step) {
  if (step < o.warmupSteps) return o.lr * (step + 1) / o.warmupSteps;
  const double span = std::max(1, o.steps - o.warmupSteps);
  const double p = std::min(1.0, (step - o.warmupSteps) / span);
  const double lo = o.lr * o.lrMinFactor;
  return lo + 0.5 * (o.lr - lo) * (1 + std::cos(M_PI * p));
}

at::Tensor lossWeight(const at::Tensor& a, PredictionType prediction, double gamma) {
  if (gamma <= 0) return torch::ones_like(a);
  const at::Tensor snr = a / (1 - a);
  const at::Tensor capped = torch::clamp_max(snr, gamma);
  switch (prediction) {
    case PredictionType::kEps:
      return capped / snr;
    case PredictionType::kV:
      return (capped + 1) / (snr + 1);
    case PredictionType::kX0:
      return capped + 1;
  }
  return torch::ones_like(a);
}

std::string checkpointPathFor(const std::string& path) {
  return fs::is_directory(path) ? (fs::path(path) / kCheckpointFile).string() : path;
}

TrainOptions readCheckpointOptions(const std::string& pathIn) {
  const std::string path = checkpointPathFor(pathIn);
  const auto m = readSafetensorsMetadata(path);
  auto get = [&](const char* key) {
    auto it = m.find(key);
    if (it == m.end()) throw Error(path + ": not a training checkpoint (no '" + key + "')");
    return it->second;
  };
  TrainOptions o;
  o.dataDir = get("data_dir");
  o.steps = std::stoi(get("steps"));
  o.maxMinutes = std::stod(get("max_minutes"));
  o.batchSize = std::stoi(get("batch_size"));
  o.lr = std::stod(get("lr"));
  o.warmupSteps = std::stoi(get("warmup_steps"));
  o.lrMinFactor = std::stod(get("lr_min_factor"));
  o.adamBeta1 = std::stod(get("adam_beta1"));
  o.adamBeta2 = std::stod(get("adam_beta2"));
  o.adamEps = std::stod(get("adam_eps"));
  o.gradClip = std::stod(get("grad_clip"));
  o.emaDecay = std::stod(get("ema_decay"));
  o.emaWarmup = get("ema_warmup") == "1";
  o.snrGamma = std::stod(get("snr_gamma"));
  o.hflip = get("hflip") == "1";
  o.seed = std::stoull(get("seed"));
  o.checkpointEvery = std::stoi(get("checkpoint_every"));
  o.checkpointMinutes = std::stod(get("checkpoint_minutes"));
  o.logEvery = std::stoi(get("log_every"));
  o.config = parseModelConfig(get("config_yaml"), path);
  o.resumeFrom = path;
  return o;
}

TrainResult train(const TrainOptions& o, const TrainControl& control) {
  o.validate();
  // A run killed while saving leaves its temporary files; they are never read, only removed.
  for (const fs::path& folder : {fs::path(o.outDir), fs::path(o.outDir) / "checkpoint"})
    removeStaleTempFiles(folder.string());
  auto message = [&](const std::string& s) {
    if (control.onMessage) control.onMessage(s);
  };
  const ModelConfig& cfg = o.config;
  const at::Tensor data = loadImageFolder(o.dataDir, cfg.imageSize);
  message("data: " + std::to_string(data.size(0)) + " images from " + o.dataDir);
  const NoiseSchedule schedule(cfg.diffusion);
  std::vector<float> abar(schedule.numTimesteps());
  for (int t = 0; t < schedule.numTimesteps(); ++t)
    abar[t] = static_cast<float>(schedule.alphaBar(t));
  const at::Tensor alphaBar = torch::tensor(abar, at::kFloat);

  torch::manual_seed(o.seed);
  TrainState s;
  s.model = UNet(cfg.model);
  s.ema = UNet(cfg.model);
  s.ema->eval();
  {
    torch::NoGradGuard noGrad;
    for (const auto& p : s.model->parameters()) s.params.push_back(p);
    for (const auto& p : s.ema->parameters()) {
      p.set_requires_grad(false);
      s.emaParams.push_back(p);
    }
    for (size_t i = 0; i < s.params.size(); ++i) {
      s.emaParams[i].copy_(s.params[i]);
      s.adamM.push_back(torch::zeros_like(s.params[i]));
      s.adamV.push_back(torch::zeros_like(s.params[i]));
    }
  }
  if (!o.resumeFrom.empty()) {
    readCheckpointInto(s, checkpointPathFor(o.resumeFrom));
    message("resumed from " + o.resumeFrom + " at step " + std::to_string(s.step));
  }
  message("model: " + std::to_string(parameterCount(*s.model)) + " parameters");

  TrainResult result;
  result.startStep = s.step;
  result.modelDir = o.outDir;
  result.checkpointPath = (fs::path(o.outDir) / kCheckpointFile).string();
  auto save = [&] {
    writeCheckpoint(s, o, result.checkpointPath);
    writeModelFolder(s, o);
    message("checkpoint: step " + std::to_string(s.step) + " -> " + result.checkpointPath);
  };

  BatchIndexer batches(data.size(0), o.seed);
  const int64_t b = o.batchSize;
  const auto start = Clock::now();
  auto lastCheckpoint = Clock::now();
  auto lastLog = Clock::now();
  int lastLogStep = s.step;
  double lossSum = 0;
  s.model->train();
  while (s.step < o.steps) {
    if (control.stop && control.stop->load()) {
      result.stopped = true;
      break;
    }
    if (o.maxMinutes > 0 && secondsSince(start) >= o.maxMinutes * 60) {
      result.timeLimitReached = true;
      break;
    }
    // All randomness of this step derives from (seed, step): exact resume.
    auto gen = at::detail::createCPUGenerator(mixSeed(o.seed, kStepNoise, s.step));
    torch::manual_seed(mixSeed(o.seed, kDropout, s.step));
    at::Tensor x0 = data.index_select(0, batches.indices(s.step, o.batchSize));
    if (o.hflip) {
      const at::Tensor flip = (at::rand({b}, gen) < 0.5).view({b, 1, 1, 1});
      x0 = torch::where(flip, x0.flip({3}), x0);
    }
    const at::Tensor t = at::randint(0, schedule.numTimesteps(), {b}, gen, at::kLong);
    const at::Tensor eps = at::randn(x0.sizes(), gen, at::kFloat);
    const at::Tensor a = alphaBar.index_select(0, t);
    const at::Tensor sa = a.sqrt().view({b, 1, 1, 1}), s1a = (1 - a).sqrt().view({b, 1, 1, 1});
    const at::Tensor xt = sa * x0 + s1a * eps;  // q(x_t | x_0), DDPM Eq. 4
    at::Tensor target;
    switch (cfg.diffusion.predictionType) {
      case PredictionType::kEps:
        target = eps;
        break;
      case PredictionType::kV:
        target = sa * eps - s1a * x0;
        break;
      case PredictionType::kX0:
        target = x0;
        break;
    }
    const at::Tensor out = s.model->forward(xt, t.to(at::kFloat));
    const at::Tensor perSample = (out - target).pow(2).mean({1, 2, 3});
    const at::Tensor loss =
        (perSample * lossWeight(a, cfg.diffusion.predictionType, o.snrGamma)).mean();
    for (auto& p : s.params) p.mutable_grad().reset();
    loss.backward();
    if (o.gradClip > 0) torch::nn::utils::clip_grad_norm_(s.params, o.gradClip);

    const double lr = learningRateAt(o, s.step);
    const int n = s.step + 1;
    {
      torch::NoGradGuard noGrad;
      const double bc1 = 1 - std::pow(o.adamBeta1, n), bc2 = 1 - std::pow(o.adamBeta2, n);
      double mu = o.emaDecay;
      if (o.emaWarmup) mu = std::min(mu, (1.0 + s.step) / (10.0 + s.step));
      for (size_t i = 0; i < s.params.size(); ++i) {
        const at::Tensor& g = s.params[i].grad();
        if (!g.defined()) continue;
        s.adamM[i].mul_(o.adamBeta1).add_(g, 1 - o.adamBeta1);
        s.adamV[i].mul_(o.adamBeta2).addcmul_(g, g, 1 - o.adamBeta2);
        const at::Tensor denom = (s.adamV[i] / bc2).sqrt_().add_(o.adamEps);
        s.params[i].addcdiv_(s.adamM[i], denom, -lr / bc1);
        s.emaParams[i].lerp_(s.params[i], 1 - mu);  // EMA: mu * shadow + (1 - mu) * param
      }
    }
    const double lossValue = loss.item<double>();
    result.losses.push_back(lossValue);
    lossSum += lossValue;
    s.step = n;

    if (control.onProgress && (s.step % o.logEvery == 0 || s.step == o.steps)) {
      const double dt = secondsSince(lastLog);
      TrainProgress p;
      p.step = s.step;
      p.totalSteps = o.steps;
      p.loss = lossSum / std::max(1, s.step - lastLogStep);
      p.lr = lr;
      p.stepsPerSecond = dt > 0 ? (s.step - lastLogStep) / dt : 0;
      p.secondsLeft = p.stepsPerSecond > 0 ? (o.steps - s.step) / p.stepsPerSecond : 0;
      if (o.maxMinutes > 0)
        p.secondsLeft = std::min(p.secondsLeft, o.maxMinutes * 60 - secondsSince(start));
      control.onProgress(p);
      lastLog = Clock::now();
      lastLogStep = s.step;
      lossSum = 0;
    }
    const bool stepDue = o.checkpointEvery > 0 && s.step % o.checkpointEvery == 0;
    const bool timeDue =
        o.checkpointMinutes > 0 && secondsSince(lastCheckpoint) >= o.checkpointMinutes * 60;
    if ((stepDue || timeDue) && s.step < o.steps) {
      save();
      lastCheckpoint = Clock::now();
    }
  }
  save();
  result.endStep = s.step;
  return result;
}

}  // namespace ddim
