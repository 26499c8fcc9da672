#pragma once

#include <ATen/core/Tensor.h>

namespace ddim {

enum class InterpMode { kSlerp, kLerp };

/// Spherical interpolation over the whole tensor (paper Eq. 67); falls back to lerp when
/// |cos theta| > 0.9995. z1, z2: same shape, float; alpha in [0, 1].
[[nodiscard]] at::Tensor slerp(const at::Tensor& z1, const at::Tensor& z2, double alpha);
[[nodiscard]] at::Tensor lerp(const at::Tensor& z1, const at::Tensor& z2, double alpha);
[[nodiscard]] at::Tensor interpolate(const at::Tensor& z1, const at::Tensor& z2, double alpha,
                                     InterpMode mode);

/// `frames` latents from z1 to z2 inclusive (alpha = i / (frames - 1)), stacked along dim 0:
/// z1, z2: [1, C, H, W] or [C, H, W] -> [frames, C, H, W].
[[nodiscard]] at::Tensor interpolateFrames(const at::Tensor& z1, const at::Tensor& z2, int frames,
                                           InterpMode mode);

}  // namespace ddim
