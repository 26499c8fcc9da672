#pragma once

#include <cstdint>
#include <vector>

#include "model/model_config.h"

namespace ddim {

/// The most diffusion timesteps a schedule may have (diffusers' limit too).
constexpr int kMaxTimesteps = 1000000;

/// betas in float64, length T; throws ddim::Error unless T is in [1, kMaxTimesteps] and every
/// beta is in (0, 1] (the definitions; jsd ends at 1) (official `get_beta_schedule`; cosine is
/// diffusers' squaredcos_cap_v2 with max beta 0.999).
[[nodiscard]] std::vector<double> makeBetas(BetaSchedule kind, double betaStart, double betaEnd,
                                            int numTimesteps);

/// alpha-bar_t = prod_{s<=t} (1 - beta_s), computed in float64 then rounded to float32 as the
/// official code does. `alphaBar(-1)` is 1 (the clean image). Throws ddim::Error naming the
/// timestep where beta reaches 1 or alpha-bar falls below float32's smallest normal number: the
/// samplers divide by sqrt(alpha-bar).
class NoiseSchedule {
 public:
  NoiseSchedule() = default;
  explicit NoiseSchedule(const DiffusionConfig& config);
  NoiseSchedule(BetaSchedule kind, double betaStart, double betaEnd, int numTimesteps);

  [[nodiscard]] int numTimesteps() const { return static_cast<int>(alphaBar_.size()); }
  /// t in [-1, T-1]; the float32-rounded value, widened to double.
  [[nodiscard]] double alphaBar(int64_t t) const;
  [[nodiscard]] const std::vector<double>& betas() const { return betas_; }

 private:
  std::vector<double> betas_;
  std::vector<double> alphaBar_;  // float32-rounded
};

}  // namespace ddim
