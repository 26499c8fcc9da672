#include "diffusion/sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "errors.h"

namespace ddim {

std::string toString(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kDdim:
      return "ddim";
    case SamplerKind::kSigmaHat:
      return "sigma-hat";
    case SamplerKind::kDpmSolverPP2M:
      return "dpm++2m";
  }
  return "?";
}

SamplerKind parseSamplerKind(const std::string& name) {
  for (SamplerKind k : {SamplerKind::kDdim, SamplerKind::kSigmaHat, SamplerKind::kDpmSolverPP2M})
    if (name == toString(k)) return k;
  throw Error("unknown solver '" + name + "' (expected ddim or dpm++2m)");
}

void SampleOptions::validate(int numTimesteps) const {
  if (steps <= 0 || steps > numTimesteps)
    throw Error("steps must be in 1.." + std::to_string(numTimesteps) + ", got " +
                std::to_string(steps));
  if (!(eta >= 0.0 && eta <= 1.0)) throw Error("eta must be in [0, 1], got " + std::to_string(eta));
  if (kind == SamplerKind::kDpmSolverPP2M && eta != 0.0)
    throw Error("dpm++2m is deterministic: eta must be 0, got " + std::to_string(eta));
}

at::Tensor DpmSolverPP2M::step(const at::Tensor& x, const at::Tensor& d, double a, double aNext) {
  const auto lambda = [](double ab) { return 0.5 * std::log(ab / (1.0 - ab)); };
  at::Tensor out;
  if (aNext >= 1.0) {
    out = d;  // sigma = 0: h is infinite and the first-order step lands on D itself
    hPrev_ = 0.0;
  } else {
    const double h = lambda(aNext) - lambda(a);
    at::Tensor dUsed = d;
    if (dPrev_.defined() && hPrev_ > 0 && h > 0) {
      // Algorithm 2: r = h_{i-1} / h_i, D = (1 + 1/(2r)) D_{i-1} - 1/(2r) D_{i-2}.
      const double r = hPrev_ / h;
      dUsed = (1.0 + 1.0 / (2.0 * r)) * d - (1.0 / (2.0 * r)) * dPrev_;
    }
    // x_s = (sigma_s / sigma_t) x_t - alpha_s (exp(-h) - 1) D
    out = std::sqrt((1.0 - aNext) / (1.0 - a)) * x - std::sqrt(aNext) * std::expm1(-h) * dUsed;
    hPrev_ = h;
  }
  dPrev_ = d;
  return out;
}

namespace {

// DPM-Solver++(2M) over the same step sequence as DDIM; one network call per step.
at::Tensor sampleDpmSolverPP2M(const Denoiser& denoiser, const NoiseSchedule& schedule,
                               const at::Tensor& xT, const std::vector<int64_t>& seq,
                               const SampleOptions& options, const RunControl& control) {
  const int n = static_cast<int>(seq.size());
  const auto batch = xT.size(0);
  at::Tensor x = xT.is_floating_point() ? xT : xT.to(at::kFloat);
  DpmSolverPP2M solver;
  for (int k = n - 1; k >= 0; --k) {
    const int64_t t = seq[k];
    const int64_t s = k > 0 ? seq[k - 1] : -1;
    const double a = schedule.alphaBar(t), aNext = schedule.alphaBar(s);

    control.checkCancelled();
    const at::Tensor tt = at::full({batch}, static_cast<float>(t), x.options());
    at::Tensor d = toEpsAndX0(denoiser.net(x, tt), x, a, denoiser.prediction).x0;
    if (options.clipX0) d = d.clamp(-1, 1);
    x = solver.step(x, d, a, aNext);
    if (control.onStep) control.onStep(n - k, n, d);
  }
  return x;
}

}  // namespace

int countNetworkCalls(const SampleOptions& options, int numTimesteps) {
  if (options.skip == SkipType::kLogSnr) return options.steps;  // always S timesteps
  return static_cast<int>(makeTimesteps(options.skip, options.steps, numTimesteps).size());
}

at::Tensor sample(const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& xT,
                  const SampleOptions& options, const RunControl& control) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  if (xT.dim() != 4)
    throw Error("sample: noise must be [B, C, H, W], got " + std::to_string(xT.dim()) + " dims");
  const std::vector<int64_t> seq = makeTimesteps(options.skip, options.steps, schedule);
  if (options.kind == SamplerKind::kDpmSolverPP2M)
    return sampleDpmSolverPP2M(denoiser, schedule, xT, seq, options, control);
  const int n = static_cast<int>(seq.size());
  const bool sigmaHat = options.kind == SamplerKind::kSigmaHat;
  const bool noisy = sigmaHat || options.eta > 0;
  auto gen = at::detail::createCPUGenerator(options.noiseSeed);
  const auto batch = xT.size(0);

  at::Tensor x = xT.is_floating_point() ? xT : xT.to(at::kFloat);
  for (int k = n - 1; k >= 0; --k) {
    const int64_t t = seq[k];
    const int64_t tPrev = k > 0 ? seq[k - 1] : -1;
    const double a = schedule.alphaBar(t), aPrev = schedule.alphaBar(tPrev);

    control.checkCancelled();
    const at::Tensor tt = at::full({batch}, static_cast<float>(t), x.options());
    EpsAndX0 p = toEpsAndX0(denoiser.net(x, tt), x, a, denoiser.prediction);

    at::Tensor noise;
    if (noisy && (!sigmaHat || tPrev != -1))
      noise = at::randn(x.sizes(), gen, at::TensorOptions().dtype(at::kFloat)).to(x.device());

    if (sigmaHat) {
      // Official ddpm_steps: x0 clamped, posterior mean, std sqrt(beta), no noise into t = -1.
      const double beta = 1.0 - a / aPrev;
      at::Tensor x0 = p.x0.clamp(-1, 1);
      at::Tensor mean =
          (std::sqrt(aPrev) * beta * x0 + std::sqrt(1.0 - beta) * (1.0 - aPrev) * x) / (1.0 - a);
      x = noise.defined() ? mean + std::sqrt(beta) * noise : mean;
      p.x0 = x0;
    } else {
      if (options.clipX0) {
        p.x0 = p.x0.clamp(-1, 1);
        p.eps = (x - std::sqrt(a) * p.x0) / std::sqrt(1.0 - a);
      }
      // DDIM Eq. 16 (sigma) and Eq. 12 (update).
      const double sigma =
          options.eta * std::sqrt((1.0 - aPrev) / (1.0 - a)) * std::sqrt(1.0 - a / aPrev);
      const double dirCoef = std::sqrt(std::max(0.0, 1.0 - aPrev - sigma * sigma));
      x = std::sqrt(aPrev) * p.x0 + dirCoef * p.eps;
      if (sigma > 0) x = x + sigma * noise;
    }
    if (control.onStep) control.onStep(n - k, n, p.x0);
  }
  return x;
}

}  // namespace ddim
