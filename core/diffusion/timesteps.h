#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ddim {

/// uniform, quad: official ermongroup/ddim `skip_type`; leading, trailing, linspace: diffusers'
/// `timestep_spacing`.
enum class SkipType { kUniform, kQuad, kLeading, kTrailing, kLinspace };

/// The timesteps visited for `steps` sampling steps, ascending, exactly as the reference code
/// builds them (uniform with T % S != 0 gives more than S entries; quad may repeat indices).
[[nodiscard]] std::vector<int64_t> makeTimesteps(SkipType type, int steps, int numTimesteps);

[[nodiscard]] std::string toString(SkipType s);
[[nodiscard]] SkipType parseSkipType(const std::string& s);

}  // namespace ddim
