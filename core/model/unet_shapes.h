#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/model_config.h"

namespace ddim {

/// The parameter names and shapes of the U-Net `config` builds (model/unet.h), in registration
/// order, computed without building it: a checkpoint is checked against them before the network
/// is allocated, so a config that asks for a huge network fails on the first mismatching shape.
[[nodiscard]] std::vector<std::pair<std::string, std::vector<int64_t>>> unetWeightShapes(
    const UNetConfig& config);

}  // namespace ddim
