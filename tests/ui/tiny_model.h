#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ddim_test {

/// Writes a tiny random official-layout U-Net into `folder` (config.yml + model.safetensors):
/// ch 32, ch_mult (1, 2), one res block, attention at 8 px, `resolution` px, linear schedule,
/// T = 1000. Seeded, so every run writes the same weights.
void writeTinyModel(const std::string& folder, int resolution = 16, uint64_t seed = 0);

/// Writes a tiny model (seed 1) whose config names a guide, a second tiny model (seed 2) in
/// `folder`/guide, with default guidance weight `weight`.
void writeTinyGuidedModel(const std::string& folder, double weight);

/// Writes a random model with the network of the bundled emoji32 recipe (`ddim train` defaults:
/// ch 32, ch_mult (1, 2, 2), one res block, no attention, 32 px, v-prediction), for timings
/// and screenshots before the trained model exists.
void writeEmoji32SizedModel(const std::string& folder, uint64_t seed = 0);

/// Writes a float32 .npy of `shape` filled with `value`.
void writeConstantNpy(const std::string& path, const std::vector<int64_t>& shape, float value);

}  // namespace ddim_test
