#include "diffusion/interpolation.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "errors.h"

namespace ddim {
namespace {

void checkPair(const at::Tensor& z1, const at::Tensor& z2) {
  if (!z1.sizes().equals(z2.sizes()))
    throw Error("interpolation: latents differ in shape (" + std::to_string(z1.numel()) + " vs " +
                std::to_string(z2.numel()) + " values)");
}

}  // namespace

at::Tensor lerp(const at::Tensor& z1, const at::Tensor& z2, double alpha) {
  checkPair(z1, z2);
  return (1.0 - alpha) * z1 + alpha * z2;
}

at::Tensor slerp(const at::Tensor& z1, const at::Tensor& z2, double alpha) {
  checkPair(z1, z2);
  const at::Tensor a = z1.to(at::kDouble).flatten(), b = z2.to(at::kDouble).flatten();
  const double n1 = a.norm().item<double>(), n2 = b.norm().item<double>();
  if (n1 == 0 || n2 == 0) return lerp(z1, z2, alpha);
  const double cosTheta = std::clamp(a.dot(b).item<double>() / (n1 * n2), -1.0, 1.0);
  if (std::abs(cosTheta) > 0.9995) return lerp(z1, z2, alpha);
  // Paper App. D.5, Eq. 67.
  const double theta = std::acos(cosTheta), s = std::sin(theta);
  return std::sin((1.0 - alpha) * theta) / s * z1 + std::sin(alpha * theta) / s * z2;
}

at::Tensor interpolate(const at::Tensor& z1, const at::Tensor& z2, double alpha, InterpMode mode) {
  switch (mode) {
    case InterpMode::kLerp:
      return lerp(z1, z2, alpha);
    case InterpMode::kSlerp:
      return slerp(z1, z2, alpha);
    case InterpMode::kSlerpMatched:
      break;
  }
  const at::Tensor z = slerp(z1, z2, alpha);
  if (z.dim() < 3) return z;
  // Statistics per channel over the spatial dimensions: [..., C, H, W] -> [..., C, 1, 1].
  auto mean = [](const at::Tensor& x) { return x.mean({-2, -1}, /*keepdim=*/true); };
  auto stdev = [](const at::Tensor& x) {
    return x.std({-2, -1}, /*unbiased=*/false, /*keepdim=*/true);
  };
  const at::Tensor targetMean = (1.0 - alpha) * mean(z1) + alpha * mean(z2);
  const at::Tensor targetStd = (1.0 - alpha) * stdev(z1) + alpha * stdev(z2);
  return (z - mean(z)) / stdev(z).clamp_min(1e-12) * targetStd + targetMean;
}

std::vector<double> frameDistances(const at::Tensor& frames) {
  if (frames.dim() != 4 || frames.size(0) < 2)
    throw Error("frameDistances: need frames [N >= 2, C, H, W], got " + c10::str(frames.sizes()));
  const at::Tensor p = ((frames.to(at::kCPU).to(at::kDouble) + 1) / 2).clamp(0, 1);
  const at::Tensor d = (p.slice(0, 1) - p.slice(0, 0, -1)).pow(2).flatten(1).mean(1).sqrt();
  const at::Tensor c = d.contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

PathEvenness pathEvenness(const std::vector<double>& distances) {
  PathEvenness e;
  if (distances.empty()) return e;
  for (double d : distances) {
    e.mean += d;
    e.largestJump = std::max(e.largestJump, d);
  }
  e.mean /= static_cast<double>(distances.size());
  for (double d : distances) e.variance += (d - e.mean) * (d - e.mean);
  e.variance /= static_cast<double>(distances.size());
  return e;
}

std::vector<double> evenlySpacedAlphas(const std::vector<double>& alphas,
                                       const std::vector<double>& distances, int count) {
  const size_t n = alphas.size();
  if (n < 2 || distances.size() != n - 1 || alphas.front() != 0.0 || alphas.back() != 1.0)
    throw Error("evenlySpacedAlphas: need alphas from 0 to 1 and one distance between each pair");
  if (count < 2) throw Error("evenlySpacedAlphas: need at least 2 frames");
  std::vector<double> cumulative(n, 0.0);
  for (size_t i = 1; i < n; ++i) {
    if (!(alphas[i] > alphas[i - 1]) || !(distances[i - 1] >= 0))
      throw Error("evenlySpacedAlphas: alphas must increase and distances be >= 0");
    cumulative[i] = cumulative[i - 1] + distances[i - 1];
  }
  std::vector<double> out(count);
  const double total = cumulative.back();
  size_t seg = 1;
  for (int k = 0; k < count; ++k) {
    if (k == 0 || total <= 0) {
      out[k] = static_cast<double>(k) / (count - 1);
      continue;
    }
    if (k == count - 1) {
      out[k] = 1.0;
      continue;
    }
    const double target = total * k / (count - 1);
    while (seg < n - 1 && cumulative[seg] < target) ++seg;
    const double span = cumulative[seg] - cumulative[seg - 1];
    const double f = span > 0 ? (target - cumulative[seg - 1]) / span : 0.0;
    out[k] = alphas[seg - 1] + f * (alphas[seg] - alphas[seg - 1]);
  }
  return out;
}

at::Tensor interpolateFrames(const at::Tensor& z1, const at::Tensor& z2, int frames,
                             InterpMode mode) {
  if (frames < 2)
    throw Error("interpolation needs at least 2 frames, got " + std::to_string(frames));
  const at::Tensor a = z1.dim() == 4 ? z1.squeeze(0) : z1;
  const at::Tensor b = z2.dim() == 4 ? z2.squeeze(0) : z2;
  if (a.dim() != 3) throw Error("interpolation: latents must be [1, C, H, W] or [C, H, W]");
  std::vector<at::Tensor> out;
  out.reserve(frames);
  for (int i = 0; i < frames; ++i) out.push_back(interpolate(a, b, double(i) / (frames - 1), mode));
  return at::stack(out);
}

}  // namespace ddim
