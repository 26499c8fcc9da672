#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ddim {

class NoiseSchedule;

/// uniform, quad: official ermongroup/ddim `skip_type`; leading, trailing, linspace: diffusers'
/// `timestep_spacing`; logsnr: trailing's two ends with the steps between them equal in log-SNR
/// (DPM-Solver's spacing for low-resolution images, Lu et al. 2022), which needs the schedule.
enum class SkipType { kUniform, kQuad, kLeading, kTrailing, kLinspace, kLogSnr };

/// The timesteps visited for `steps` sampling steps, ascending, exactly as the reference code
/// builds them (uniform with T % S != 0 gives more than S entries; quad may repeat indices).
/// kLogSnr depends on alpha-bar: it throws ddim::Error here; use the overload below.
[[nodiscard]] std::vector<int64_t> makeTimesteps(SkipType type, int steps, int numTimesteps);

/// The same for every type, with the schedule that kLogSnr spaces by: S timesteps from T-1 down
/// to trailing's smallest, round(T / S) - 1, each the timestep whose lambda = log(alpha / sigma)
/// is nearest to S points equally spaced in lambda between those ends; where two round to the
/// same timestep (S close to T) they are moved apart, so there are always S, strictly ascending.
[[nodiscard]] std::vector<int64_t> makeTimesteps(SkipType type, int steps,
                                                 const NoiseSchedule& schedule);

[[nodiscard]] std::string toString(SkipType s);
[[nodiscard]] SkipType parseSkipType(const std::string& s);

}  // namespace ddim
