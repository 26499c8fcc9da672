#include "diffusion/noise.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace ddim {

at::Tensor seededNoise(const std::vector<int64_t>& shape, uint64_t seed,
                       const c10::Device& device) {
  auto gen = at::detail::createCPUGenerator(seed);
  at::Tensor z = at::randn(shape, gen, at::TensorOptions().dtype(at::kFloat));
  return device.is_cpu() ? z : z.to(device);
}

}  // namespace ddim
