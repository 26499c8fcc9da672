#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace ddim {

/// Standard normal noise of `shape` from a seeded CPU generator, then moved to `device`: the same
/// seed gives the same tensor on every run and every device.
[[nodiscard]] at::Tensor seededNoise(const std::vector<int64_t>& shape, uint64_t seed,
                                     const c10::Device& device);

}  // namespace ddim
