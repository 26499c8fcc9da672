#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace ddim {

/// Reads a .npy file (format 1.0-3.0; little-endian float32/float64/float16/int; C or Fortran
/// order) into a contiguous CPU float32 tensor of the stored shape. Throws ddim::Error naming the
/// file and what is wrong (bad magic, truncated data, unsupported dtype, shape/size mismatch).
/// The header is parsed by numpy's rules (a dict of exactly 'descr', 'fortran_order' and 'shape';
/// a repeated key takes the last value; negative dimensions, NUL bytes and versions other than
/// 1.0/2.0/3.0 refused). NaN or infinite values are refused too.
[[nodiscard]] at::Tensor readNpy(const std::string& path);

/// readNpy on the bytes of a file; `path` names it in errors.
[[nodiscard]] at::Tensor parseNpy(const std::string& bytes, const std::string& path);

/// Writes a tensor as float32, C order, format 1.0, atomically (temporary file, then rename).
void writeNpy(const std::string& path, const at::Tensor& tensor);

}  // namespace ddim
