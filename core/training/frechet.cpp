#include "training/frechet.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "errors.h"

namespace ddim {
namespace {

constexpr int64_t kSize = 32;
constexpr int64_t kConv1 = 32, kConv2 = 64;

// Symmetric PSD square root through the eigen-decomposition (negative round-off clamped to 0).
at::Tensor sqrtPsd(const at::Tensor& s) {
  auto [evals, evecs] = at::linalg_eigh(s);
  return at::matmul(evecs * evals.clamp_min(0).sqrt().unsqueeze(0), evecs.transpose(0, 1));
}

}  // namespace

FrechetFeatures::FrechetFeatures(uint64_t seed) : blockScale_(3, 1.0) {
  auto gen = at::detail::createCPUGenerator(seed);
  // He-style scaling keeps the ReLU activations at a similar magnitude in both layers.
  w1_ = at::randn({kConv1, 3, 3, 3}, gen, at::kFloat) * std::sqrt(2.0 / 27);
  w2_ = at::randn({kConv2, kConv1, 3, 3}, gen, at::kFloat) * std::sqrt(2.0 / (kConv1 * 9));
}

at::Tensor FrechetFeatures::operator()(const at::Tensor& images) const {
  if (images.dim() != 4 || images.size(1) != 3)
    throw Error("Frechet features: images must be [N, 3, H, W], got " + c10::str(images.sizes()));
  c10::InferenceMode guard;
  at::Tensor x = images.to(at::kCPU).to(at::kFloat).clamp(-1, 1);
  if (x.size(2) != kSize || x.size(3) != kSize) x = at::adaptive_avg_pool2d(x, {kSize, kSize});
  const int64_t n = x.size(0);
  const at::Tensor x01 = (x + 1) / 2;

  const at::Tensor pixels = at::avg_pool2d(x01, {4, 4}).reshape({n, -1});  // [N, 192]

  const at::Tensor q = (x01 * 4).floor().clamp(0, 3).to(at::kLong);  // [N, 3, H, W] in 0..3
  const at::Tensor bin =
      (q.select(1, 0) * 16 + q.select(1, 1) * 4 + q.select(1, 2)).reshape({n, -1});
  at::Tensor colour = at::zeros({n, kColour}, at::kFloat);
  colour.scatter_add_(1, bin, at::ones(bin.sizes(), at::kFloat));
  colour /= static_cast<double>(kSize * kSize);

  at::Tensor h = at::relu(at::conv2d(x, w1_, {}, /*stride=*/1, /*padding=*/1));
  h = at::avg_pool2d(h, {2, 2});
  h = at::relu(at::conv2d(h, w2_, {}, /*stride=*/1, /*padding=*/1)).reshape({n, kConv2, -1});
  const at::Tensor texture = at::cat({h.mean(2), h.std(2, /*unbiased=*/false)}, 1);  // [N, 128]

  return scale(at::cat({pixels, colour, texture}, 1).to(at::kDouble));
}

at::Tensor FrechetFeatures::scale(const at::Tensor& features) const {
  at::Tensor f = features.clone();
  f.narrow(1, 0, kPixels).mul_(blockScale_[0]);
  f.narrow(1, kPixels, kColour).mul_(blockScale_[1]);
  f.narrow(1, kPixels + kColour, kTexture).mul_(blockScale_[2]);
  return f;
}

void FrechetFeatures::normaliseTo(const at::Tensor& reference) {
  if (reference.dim() != 2 || reference.size(1) != dim() || reference.size(0) < 2)
    throw Error("Frechet features: reference must be [N >= 2, " + std::to_string(dim()) + "]");
  const at::Tensor var = reference.to(at::kDouble).var(0, /*unbiased=*/true);
  const int64_t starts[3] = {0, kPixels, kPixels + kColour},
                sizes[3] = {kPixels, kColour, kTexture};
  for (int b = 0; b < 3; ++b) {
    const double total = var.narrow(0, starts[b], sizes[b]).sum().item<double>();
    blockScale_[b] = total > 0 ? 1.0 / std::sqrt(total) : 1.0;
  }
}

GaussianStats gaussianStats(const at::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw Error("gaussianStats: need features [N >= 2, D], got " + c10::str(features.sizes()));
  const at::Tensor f = features.to(at::kCPU).to(at::kDouble);
  GaussianStats s;
  s.count = f.size(0);
  s.mean = f.mean(0);
  const at::Tensor c = f - s.mean;
  s.cov = at::matmul(c.transpose(0, 1), c) / static_cast<double>(s.count - 1);
  return s;
}

double traceSqrtProduct(const at::Tensor& s1, const at::Tensor& s2) {
  const at::Tensor a = s1.to(at::kDouble), b = s2.to(at::kDouble);
  const at::Tensor r = sqrtPsd(a);
  at::Tensor m = at::matmul(at::matmul(r, b), r);
  m = (m + m.transpose(0, 1)) / 2;  // exact symmetry for eigvalsh
  return at::linalg_eigvalsh(m).clamp_min(0).sqrt().sum().item<double>();
}

double frechetDistance(const GaussianStats& a, const GaussianStats& b) {
  if (!a.mean.sizes().equals(b.mean.sizes()))
    throw Error("frechetDistance: feature sizes differ (" + c10::str(a.mean.sizes()) + " vs " +
                c10::str(b.mean.sizes()) + ")");
  const double meanTerm = (a.mean - b.mean).pow(2).sum().item<double>();
  const double traces = a.cov.trace().item<double>() + b.cov.trace().item<double>();
  return meanTerm + traces - 2 * traceSqrtProduct(a.cov, b.cov);
}

}  // namespace ddim
