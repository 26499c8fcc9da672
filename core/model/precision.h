#pragma once

#include <c10/core/Device.h>

#include <string>

namespace ddim {

/// The arithmetic the network's convolutions run in. The sampler's arithmetic, the latents and
/// the network's input and output stay float32 whatever is chosen; so do GroupNorm, SiLU,
/// attention and the timestep embedding.
enum class Precision { kAuto, kFp32, kBf16, kFp16 };

[[nodiscard]] std::string toString(Precision p);
/// "auto", "fp32", "bf16" or "fp16"; throws ddim::Error naming the value otherwise.
[[nodiscard]] Precision parsePrecision(const std::string& name);

/// What a model runs in and why: `used` is never kAuto.
struct PrecisionChoice {
  Precision used = Precision::kFp32;
  std::string reason;  // one phrase, e.g. "auto: this CPU has AVX512-BF16"
};

/// Whether this CPU has the AVX512-BF16 instructions that make oneDNN's bf16 convolutions faster
/// than float32 (without them oneDNN emulates bf16, slower than float32).
[[nodiscard]] bool cpuHasAvx512Bf16();

/// Resolves `requested` for a network on `device`. `reducedPossible` is false for networks that
/// run as saved (TorchScript): they stay fp32. On the CPU: bf16 where asked for (on CPUs with the
/// AVX512BW/VL/DQ oneDNN needs for it) or, with auto, where the CPU has AVX512-BF16; fp16 falls
/// back to fp32 (LibTorch 1.13's oneDNN has no fp16 convolution on CPUs). On CUDA: fp16 and bf16
/// as asked, auto picks bf16.
[[nodiscard]] PrecisionChoice resolvePrecision(Precision requested, const c10::Device& device,
                                               bool reducedPossible = true);

}  // namespace ddim
