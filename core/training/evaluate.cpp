#include "training/evaluate.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "diffusion/inversion.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"
#include "io/image_io.h"
#include "tasks/reconstruct.h"

namespace ddim {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string num(const char* format, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

std::vector<ReconstructionRow> evaluateReconstruction(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& images,
    const std::vector<int>& steps, SkipType skip, int batchSize, const RunControl& control,
    const std::function<void(const ReconstructionRow&)>& onRow) {
  InvertOptions inversion;
  inversion.skip = skip;
  return evaluateReconstruction(denoiser, schedule, images, steps, inversion, batchSize, control,
                                onRow);
}

std::vector<ReconstructionRow> evaluateReconstruction(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& images,
    const std::vector<int>& steps, const InvertOptions& inversion, int batchSize,
    const RunControl& control, const std::function<void(const ReconstructionRow&)>& onRow) {
  if (images.dim() != 4 || images.size(0) == 0)
    throw Error("evaluateReconstruction: images must be [N, C, H, W], got " +
                c10::str(images.sizes()));
  if (batchSize <= 0) throw Error("evaluateReconstruction: batch size must be > 0");
  std::vector<ReconstructionRow> rows;
  const int64_t n = images.size(0);
  for (int s : steps) {
    ReconstructionRow row;
    row.steps = s;
    row.images = static_cast<int>(n);
    const auto t0 = Clock::now();
    double sumSq = 0, worstMse = 0;
    int64_t calls = 0, stepsWalked = 0;
    for (int64_t i = 0; i < n; i += batchSize) {
      const at::Tensor x0 = images.narrow(0, i, std::min<int64_t>(batchSize, n - i));
      InvertOptions inv = inversion;
      inv.steps = s;
      const Reconstruction r = invertAndReconstruct(denoiser, schedule, x0, inv,
                                                    /*reconstruct=*/true, control);
      sumSq += r.error.mse * static_cast<double>(x0.numel());
      calls += r.inversion.networkCalls;
      stepsWalked += r.inversion.steps;
      // Per image, the same measure as imageError: pixels in [0, 1], the decoded image clamped.
      const at::Tensor a = ((x0.to(at::kCPU).to(at::kDouble) + 1) / 2).clamp(0, 1);
      const at::Tensor b = ((r.image.to(at::kCPU).to(at::kDouble) + 1) / 2).clamp(0, 1);
      const at::Tensor perImage = (a - b).pow(2).reshape({x0.size(0), -1}).mean(1);
      worstMse = std::max(worstMse, perImage.max().item<double>());
    }
    row.seconds = secondsSince(t0);
    row.mse = sumSq / static_cast<double>(images.numel());
    row.psnr = psnrFromMse(row.mse);
    row.worstPsnr = psnrFromMse(worstMse);
    row.callsPerStep = stepsWalked ? static_cast<double>(calls) / stepsWalked : 0;
    rows.push_back(row);
    if (onRow) onRow(row);
  }
  return rows;
}

std::vector<SampleQualityCell> evaluateSampleQuality(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const FrechetFeatures& features,
    const GaussianStats& reference, int channels, int size, const c10::Device& device,
    const SampleQualityOptions& o, const RunControl& control,
    const std::function<void(const SampleQualityCell&)>& onCell) {
  if (o.numSamples < 2 || o.batchSize <= 0)
    throw Error("evaluateSampleQuality: need >= 2 samples and a positive batch size");
  std::vector<SampleQualityCell> samplers;
  for (double eta : o.etas) {
    SampleQualityCell c;
    c.eta = eta;
    c.sampler = "eta = " + num("%g", eta);
    samplers.push_back(c);
  }
  if (o.sigmaHat) {
    SampleQualityCell c;
    c.sigmaHat = true;
    c.sampler = "sigma-hat";
    samplers.push_back(c);
  }
  if (!o.dpmSolverSteps.empty()) {
    SampleQualityCell c;
    c.dpmSolver = true;
    c.sampler = "DPM-Solver++(2M), " + toString(o.dpmSolverSkip);
    samplers.push_back(c);
  }
  std::vector<SampleQualityCell> cells;
  for (const SampleQualityCell& proto : samplers) {
    for (int s : proto.dpmSolver ? o.dpmSolverSteps : o.steps) {
      SampleQualityCell cell = proto;
      cell.steps = s;
      const auto t0 = Clock::now();
      std::vector<at::Tensor> feats;
      for (int i = 0, batch = 0; i < o.numSamples; i += o.batchSize, ++batch) {
        const int b = std::min(o.batchSize, o.numSamples - i);
        const at::Tensor xT = seededNoise({b, channels, size, size}, o.seed + batch, device);
        SampleOptions so;
        so.steps = s;
        so.skip = cell.dpmSolver ? o.dpmSolverSkip : o.skip;
        so.eta = cell.eta;
        so.kind = cell.sigmaHat    ? SamplerKind::kSigmaHat
                  : cell.dpmSolver ? SamplerKind::kDpmSolverPP2M
                                   : SamplerKind::kDdim;
        so.noiseSeed = o.seed + 1000003 + batch;
        feats.push_back(features(sample(denoiser, schedule, xT, so, control).clamp(-1, 1)));
      }
      cell.fd = frechetDistance(gaussianStats(at::cat(feats, 0)), reference);
      cell.seconds = secondsSince(t0);
      cells.push_back(cell);
      if (onCell) onCell(cell);
    }
  }
  return cells;
}

std::string reconstructionTable(const std::vector<ReconstructionRow>& rows, bool detailed) {
  std::string head = "| S |", rule = "|---|", mse = "| MSE (pixels in [0, 1]) |",
              psnr = "| PSNR (dB) |", worst = "| worst image PSNR (dB) |",
              calls = "| inversion calls a step |", secs = "| seconds |";
  for (const auto& r : rows) {
    head += " " + std::to_string(r.steps) + " |";
    rule += "---|";
    mse += " " + num("%.3g", r.mse) + " |";  // 3 significant digits: spans 1e-2 .. 1e-6
    psnr += " " + num("%.2f", r.psnr) + " |";
    worst += " " + num("%.2f", r.worstPsnr) + " |";
    calls += " " + num("%.2f", r.callsPerStep) + " |";
    secs += " " + num("%.1f", r.seconds) + " |";
  }
  std::string out = head + "\n" + rule + "\n" + mse + "\n" + psnr + "\n";
  if (detailed) out += worst + "\n" + calls + "\n";
  return out + secs + "\n";
}

std::string sampleQualityTable(const std::vector<SampleQualityCell>& cells) {
  std::vector<int> steps;
  std::vector<std::string> samplers;
  std::map<std::pair<std::string, int>, double> fd;
  for (const auto& c : cells) {
    if (std::find(steps.begin(), steps.end(), c.steps) == steps.end()) steps.push_back(c.steps);
    if (std::find(samplers.begin(), samplers.end(), c.sampler) == samplers.end())
      samplers.push_back(c.sampler);
    fd[{c.sampler, c.steps}] = c.fd;
  }
  std::string out = "| sampler |";
  for (int s : steps) out += " S = " + std::to_string(s) + " |";
  out += "\n|---|";
  for (size_t i = 0; i < steps.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& name : samplers) {
    out += "| " + name +
           (name == "eta = 0"   ? " (DDIM)"
            : name == "eta = 1" ? " (DDPM)"
                                : "") +
           " |";
    for (int s : steps) {
      auto it = fd.find({name, s});
      out += it == fd.end() ? " |" : " " + num("%.3f", it->second) + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace ddim
