#pragma once

#include <c10/core/Device.h>

#include <string>

namespace ddim {

/// "auto" (CUDA when LibTorch has it and a GPU is present, else CPU), "cpu", "cuda" or "cuda:N".
/// Throws ddim::Error for an unknown name or for CUDA when none is available.
[[nodiscard]] c10::Device parseDevice(const std::string& name);

/// Sets LibTorch's CPU threads; n <= 0 means all cores.
void setCpuThreads(int n);

[[nodiscard]] std::string describeDevice(const c10::Device& device);

}  // namespace ddim
