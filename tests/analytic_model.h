#pragma once

// A noise predictor with a closed form: data x0 ~ N(mu, s^2) independently per dimension. Then
// x_t ~ N(sqrt(a) mu, a s^2 + 1 - a) and the optimal predictor is
//   eps*(x_t, t) = sqrt(1 - a) (x_t - sqrt(a) mu) / (a s^2 + 1 - a).
// Its probability-flow ODE (the S -> infinity limit of DDIM) keeps the standardised value
//   z = (x_t - sqrt(a) mu) / sqrt(a s^2 + 1 - a) constant along a trajectory.

#include <ATen/ATen.h>

#include <atomic>
#include <cmath>

#include "diffusion/denoiser.h"
#include "diffusion/schedule.h"

namespace ddim::testing {

struct GaussianData {
  at::Tensor mu;     // [C, H, W]
  at::Tensor sigma;  // [C, H, W]
  NoiseSchedule schedule;

  static GaussianData make(const NoiseSchedule& schedule) {
    GaussianData g;
    g.mu = at::tensor({0.5f, -0.3f, 0.1f, 0.8f}, at::kDouble).reshape({1, 2, 2});
    g.sigma = at::tensor({0.2f, 0.5f, 0.05f, 0.3f}, at::kDouble).reshape({1, 2, 2});
    g.schedule = schedule;
    return g;
  }

  /// Data well inside [-1, 1] (4 sigma), for samplers that clip x0 (sigma-hat).
  static GaussianData makeInsideUnitRange(const NoiseSchedule& schedule) {
    GaussianData g = make(schedule);
    g.mu = at::tensor({0.5f, -0.3f, 0.1f, 0.2f}, at::kDouble).reshape({1, 2, 2});
    g.sigma = at::tensor({0.1f, 0.15f, 0.05f, 0.2f}, at::kDouble).reshape({1, 2, 2});
    return g;
  }

  /// alpha-bar at each item's t: [B] -> [B, 1, 1, 1] double.
  [[nodiscard]] at::Tensor alphas(const at::Tensor& t) const {
    std::vector<double> a(t.size(0));
    const at::Tensor tc = t.to(at::kDouble).contiguous();
    for (int64_t i = 0; i < t.size(0); ++i)
      a[i] = schedule.alphaBar(static_cast<int64_t>(std::lround(tc.data_ptr<double>()[i])));
    return at::tensor(a, at::kDouble).reshape({-1, 1, 1, 1});
  }

  /// Optimal eps for x: [B, 1, 2, 2], t: [B]; computed in double, returned as x's dtype.
  [[nodiscard]] at::Tensor eps(const at::Tensor& x, const at::Tensor& t) const {
    const at::Tensor a = alphas(t);
    return ((1 - a).sqrt() * (x.to(at::kDouble) - a.sqrt() * mu) / (a * sigma * sigma + 1 - a))
        .to(x.scalar_type());
  }

  /// The same predictor expressed as v = sqrt(a) eps - sqrt(1 - a) x0.
  [[nodiscard]] at::Tensor v(const at::Tensor& x, const at::Tensor& t) const {
    const at::Tensor a = alphas(t), e = eps(x, t).to(at::kDouble);
    const at::Tensor x0 = (x.to(at::kDouble) - (1 - a).sqrt() * e) / a.sqrt();
    return (a.sqrt() * e - (1 - a).sqrt() * x0).to(x.scalar_type());
  }

  /// Exact ODE map from noise level a_from to a_to (a = 1 is clean data).
  [[nodiscard]] at::Tensor flow(const at::Tensor& x, double aFrom, double aTo) const {
    const at::Tensor s2 = sigma * sigma;
    const at::Tensor z =
        (x.to(at::kDouble) - std::sqrt(aFrom) * mu) / (aFrom * s2 + 1 - aFrom).sqrt();
    return (std::sqrt(aTo) * mu + (aTo * s2 + 1 - aTo).sqrt() * z).to(x.scalar_type());
  }

  [[nodiscard]] Denoiser denoiser(std::atomic<int>* calls = nullptr) const {
    GaussianData self = *this;
    return Denoiser{[self, calls](const at::Tensor& x, const at::Tensor& t) {
                      if (calls) ++*calls;
                      return self.eps(x, t);
                    },
                    PredictionType::kEps};
  }
};

}  // namespace ddim::testing
