#pragma once

#include <map>
#include <string>

#include "model/state_dict.h"

namespace ddim {

/// Reads a .safetensors file (u64 LE header length, JSON header, raw data). Supports F64, F32,
/// F16, BF16, I64, I32, I16, I8, U8, BOOL. Any inconsistency (truncated file, offsets outside the
/// data, overlapping or misordered ranges, size not matching dtype x shape, bad JSON) throws
/// ddim::Error naming the file and the tensor.
[[nodiscard]] StateDict readSafetensors(const std::string& path);
/// The tensors' names, dtypes and shapes from the header alone, as tensors on the meta device (no
/// data read or allocated), with the same checks as readSafetensors.
[[nodiscard]] StateDict readSafetensorsLayout(const std::string& path);
[[nodiscard]] std::map<std::string, std::string> readSafetensorsMetadata(const std::string& path);

/// Writes tensors (any supported dtype, moved to CPU and made contiguous) atomically.
void writeSafetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace ddim
