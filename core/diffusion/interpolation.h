#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace ddim {

enum class InterpMode {
  kSlerp,
  kLerp,
  /// Slerp, then each channel's mean and standard deviation set to the endpoints' interpolated
  /// linearly (AdaIN, as DiffMorpher, Zhang et al. CVPR 2024): inverted latents are not Gaussian,
  /// and plain slerp between them leaves their statistics. Exact at both ends.
  kSlerpMatched,
};

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

/// Distances between neighbouring frames of a path: frames [N, C, H, W] in model space -> N - 1
/// RMS distances in [0, 1] pixels (x -> (x + 1) / 2, clamped).
[[nodiscard]] std::vector<double> frameDistances(const at::Tensor& frames);

/// How evenly a path of frames moves.
struct PathEvenness {
  double mean = 0;      // mean distance between neighbouring frames
  double variance = 0;  // their variance (DiffMorpher's perceptual distance variance, here in
                        // plain pixel distance)
  double largestJump = 0;
};
[[nodiscard]] PathEvenness pathEvenness(const std::vector<double>& distances);

/// Re-spaces alpha so that a path moves evenly (DiffMorpher's re-spacing): given frames decoded
/// at increasing `alphas` (first 0, last 1) and the distances between neighbours
/// (frameDistances), returns `count` alphas from 0 to 1 whose frames are equally far apart
/// along the path, the path taken as linear between the known frames.
[[nodiscard]] std::vector<double> evenlySpacedAlphas(const std::vector<double>& alphas,
                                                     const std::vector<double>& distances,
                                                     int count);

}  // namespace ddim
