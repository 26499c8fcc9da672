#include "diffusion/schedule.h"

#include <cfloat>
#include <cmath>
#include <string>

#include "errors.h"

namespace ddim {
namespace {

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> v(n);
  // numpy's linspace: a + i * step, with the last point exactly b.
  const double step = n > 1 ? (b - a) / (n - 1) : 0.0;
  for (int i = 0; i < n; ++i) v[i] = a + i * step;
  if (n > 1) v[n - 1] = b;
  return v;
}

}  // namespace

std::vector<double> makeBetas(BetaSchedule kind, double betaStart, double betaEnd, int T) {
  if (T <= 0 || T > kMaxTimesteps)
    throw Error("num_diffusion_timesteps must be in [1, " + std::to_string(kMaxTimesteps) +
                "], got " + std::to_string(T));
  if (!std::isfinite(betaStart) || !std::isfinite(betaEnd))
    throw Error("beta_start and beta_end must be finite numbers");
  std::vector<double> betas;
  switch (kind) {
    case BetaSchedule::kLinear:
      betas = linspace(betaStart, betaEnd, T);
      break;
    case BetaSchedule::kQuad:
      betas = linspace(std::sqrt(betaStart), std::sqrt(betaEnd), T);
      for (auto& b : betas) b = b * b;
      break;
    case BetaSchedule::kConst:
      betas.assign(T, betaEnd);
      break;
    case BetaSchedule::kJsd:  // 1/T, 1/(T-1), ..., 1
      betas = linspace(T, 1, T);
      for (auto& b : betas) b = 1.0 / b;
      break;
    case BetaSchedule::kSigmoid:
      betas = linspace(-6, 6, T);
      for (auto& b : betas) b = 1.0 / (1.0 + std::exp(-b)) * (betaEnd - betaStart) + betaStart;
      break;
    case BetaSchedule::kCosine: {  // diffusers squaredcos_cap_v2
      auto alphaBar = [](double t) {
        const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
        return c * c;
      };
      betas.resize(T);
      for (int i = 0; i < T; ++i) {
        const double t1 = static_cast<double>(i) / T, t2 = static_cast<double>(i + 1) / T;
        betas[i] = std::min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
      }
      break;
    }
  }
  for (int t = 0; t < T; ++t)
    if (!(betas[t] > 0 && betas[t] <= 1))
      throw Error(toString(kind) + " beta schedule gives beta " + std::to_string(betas[t]) +
                  " at t = " + std::to_string(t) + ", outside (0, 1]");
  return betas;
}

NoiseSchedule::NoiseSchedule(const DiffusionConfig& c)
    : NoiseSchedule(c.betaSchedule, c.betaStart, c.betaEnd, c.numTimesteps) {}

NoiseSchedule::NoiseSchedule(BetaSchedule kind, double betaStart, double betaEnd, int T)
    : betas_(makeBetas(kind, betaStart, betaEnd, T)), alphaBar_(T) {
  double prod = 1.0;
  for (int t = 0; t < T; ++t) {
    if (betas_[t] >= 1)  // the official jsd schedule ends so: alpha-bar would be 0
      throw Error(toString(kind) + " beta schedule gives beta " + std::to_string(betas_[t]) +
                  " at t = " + std::to_string(t) + ", outside (0, 1): no sampler can use it");
    prod *= 1.0 - betas_[t];
    alphaBar_[t] = static_cast<double>(static_cast<float>(prod));  // float64 -> float32
    // The samplers divide by sqrt(alpha-bar): once it leaves float32's normal range, every
    // sample is NaN or Inf.
    if (!(alphaBar_[t] >= FLT_MIN))
      throw Error(toString(kind) + " beta schedule with " + std::to_string(T) +
                  " timesteps: alpha-bar underflows to " + std::to_string(alphaBar_[t]) +
                  " at t = " + std::to_string(t) +
                  " (fewer timesteps or smaller betas keep it above zero)");
  }
}

double NoiseSchedule::alphaBar(int64_t t) const {
  if (t == -1) return 1.0;
  if (t < -1 || t >= static_cast<int64_t>(alphaBar_.size()))
    throw Error("timestep " + std::to_string(t) + " outside [-1, " +
                std::to_string(alphaBar_.size() - 1) + "]");
  return alphaBar_[t];
}

}  // namespace ddim
