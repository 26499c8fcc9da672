#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace ddim {

/// A fixed feature space for Frechet distances between sets of small RGB images, built from
/// nothing but a seed (no Inception weights exist here). Three blocks, each scaled so that it has
/// total variance 1 over a reference set (see normaliseTo), so that none dominates:
///   pixels  (192): the image area-averaged to 8x8 in [0, 1]: global colour and layout;
///   colour  (64):  a 4x4x4 RGB histogram (fraction of pixels per bin): colour distribution,
///                  saturation, how much white background;
///   texture (128): spatial mean and standard deviation of the 64 output channels of a fixed
///                  random ReLU conv net (3x3 conv to 32 channels, 2x2 average pool, 3x3 conv to
///                  64; seeded Gaussian weights): local edges, strokes and residual noise.
/// Images of any square size are area-resampled to 32x32 first.
class FrechetFeatures {
 public:
  explicit FrechetFeatures(uint64_t seed = 20201002);

  /// images: [N, 3, H, W] float in model space [-1, 1] (clamped) -> [N, dim()] float64 CPU.
  [[nodiscard]] at::Tensor operator()(const at::Tensor& images) const;
  /// Sets each block's scale so that its total variance over `referenceFeatures` (unscaled
  /// output of this extractor, [N, dim()]) is 1. Call once with the reference set's features.
  void normaliseTo(const at::Tensor& referenceFeatures);
  /// Applies the block scales to features computed before normaliseTo.
  [[nodiscard]] at::Tensor scale(const at::Tensor& features) const;
  [[nodiscard]] int64_t dim() const { return kPixels + kColour + kTexture; }

  static constexpr int64_t kPixels = 192, kColour = 64, kTexture = 2 * 64;

 private:
  at::Tensor w1_, w2_;              // fixed random conv weights
  std::vector<double> blockScale_;  // one per block, 1 until normaliseTo
};

/// Mean and covariance of a feature set, in float64.
struct GaussianStats {
  at::Tensor mean;  // [D]
  at::Tensor cov;   // [D, D], unbiased (N - 1)
  int64_t count = 0;
};

/// features: [N, D] (N >= 2) -> stats.
[[nodiscard]] GaussianStats gaussianStats(const at::Tensor& features);

/// tr((S1 S2)^(1/2)) for symmetric PSD S1, S2, as the sum of the square roots of the eigenvalues
/// of sqrt(S1) S2 sqrt(S1) (symmetric, similar to S1 S2), in float64.
[[nodiscard]] double traceSqrtProduct(const at::Tensor& s1, const at::Tensor& s2);

/// Frechet distance between Gaussians: |m1 - m2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).
[[nodiscard]] double frechetDistance(const GaussianStats& a, const GaussianStats& b);

}  // namespace ddim
