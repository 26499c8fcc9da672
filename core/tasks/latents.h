#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "diffusion/inversion.h"
#include "diffusion/run_control.h"

namespace ddim {

struct LoadedModel;

/// How many latents a file may hold.
enum class LatentCount { kOne, kBatch };

/// The latent shape a model samples from: [batch, channels, size, size].
[[nodiscard]] std::vector<int64_t> latentShape(const LoadedModel& model, int64_t batch = 1);

/// Reads a latent (.npy, float32) for `model`: [C, H, W] or [B, C, H, W] (B = 1 for kOne), on the
/// model's device as [B, C, H, W]. A wrong shape is a ddim::Error naming the file, the shape found
/// and the shape the model expects.
[[nodiscard]] at::Tensor readLatentFor(const LoadedModel& model, const std::string& path,
                                       LatentCount count);

/// A latent from a .npy file, or from any other file read as an image and inverted with
/// `options` (the model alone): [1, C, H, W] on the model's device.
[[nodiscard]] at::Tensor latentFromFileOrImage(const LoadedModel& model, const std::string& path,
                                               const InvertOptions& options,
                                               const RunControl& control = {});

}  // namespace ddim
