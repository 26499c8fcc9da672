#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace ddim {

/// Reads a .npy file (format 1.0-3.0; little-endian float32/float64/float16/int; C or Fortran
/// order) into a contiguous CPU float32 tensor of the stored shape. Throws ddim::Error naming the
/// file and what is wrong (bad magic, truncated data, unsupported dtype, shape/size mismatch).
[[nodiscard]] at::Tensor readNpy(const std::string& path);

/// Writes a tensor as float32, C order, format 1.0, atomically (temporary file, then rename).
void writeNpy(const std::string& path, const at::Tensor& tensor);

}  // namespace ddim
