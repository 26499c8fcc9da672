#pragma once

#include <string>

#include "model/model_config.h"
#include "model/state_dict.h"

namespace ddim {

/// Maps a diffusers UNet2DModel state dict to the official ermongroup/ddim names
/// (ddim-facts.md §5), both attention naming generations (to_q/to_k/to_v/to_out.0 and
/// query/key/value/proj_attn); attention Linear (C, C) weights become Conv 1x1 (C, C, 1, 1).
/// `numLevels` is len(ch_mult). Unknown names throw ddim::Error naming the key.
[[nodiscard]] StateDict diffusersToOfficial(const StateDict& diffusers, int numLevels,
                                            const std::string& source);

/// The inverse mapping (new attention names), for tests and export.
[[nodiscard]] StateDict officialToDiffusers(const StateDict& official, int numLevels);

/// Reads a diffusers UNet2DModel `config.json` (plus `scheduler_config.json` beside it when
/// present) into a ModelConfig. Fields that the official architecture cannot express
/// (e.g. flip_sin_to_cos true, freq_shift != 1, norm_num_groups != 32, other block types) throw
/// ddim::Error naming the field.
[[nodiscard]] ModelConfig loadDiffusersConfig(const std::string& folder);

}  // namespace ddim
