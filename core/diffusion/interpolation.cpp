#include "diffusion/interpolation.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

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
  return mode == InterpMode::kSlerp ? slerp(z1, z2, alpha) : lerp(z1, z2, alpha);
}

at::Tensor interpolateFrames(const at::Tensor& z1, const at::Tensor& z2, int frames,
                             InterpMode mode) {
  if (frames < 2) throw Error("interpolation needs at least 2 frames, got " + std::to_string(frames));
  const at::Tensor a = z1.dim() == 4 ? z1.squeeze(0) : z1;
  const at::Tensor b = z2.dim() == 4 ? z2.squeeze(0) : z2;
  if (a.dim() != 3) throw Error("interpolation: latents must be [1, C, H, W] or [C, H, W]");
  std::vector<at::Tensor> out;
  out.reserve(frames);
  for (int i = 0; i < frames; ++i) out.push_back(interpolate(a, b, double(i) / (frames - 1), mode));
  return at::stack(out);
}

}  // namespace ddim
