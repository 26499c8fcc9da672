#include "model/precision.h"

#include "errors.h"

namespace ddim {

std::string toString(Precision p) {
  switch (p) {
    case Precision::kAuto:
      return "auto";
    case Precision::kFp32:
      return "fp32";
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
  }
  return "?";
}

Precision parsePrecision(const std::string& name) {
  for (Precision p : {Precision::kAuto, Precision::kFp32, Precision::kBf16, Precision::kFp16})
    if (name == toString(p)) return p;
  throw Error("unknown precision '" + name + "' (expected auto, fp32, bf16 or fp16)");
}

bool cpuHasAvx512Bf16() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

namespace {

// oneDNN's bf16 convolution (LibTorch 1.13's mkldnn_bf16_device_check) needs these.
bool cpuCanRunBf16() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

}  // namespace

PrecisionChoice resolvePrecision(Precision requested, const c10::Device& device,
                                 bool reducedPossible) {
  if (requested == Precision::kFp32) return {Precision::kFp32, "as asked"};
  if (!reducedPossible)
    return {Precision::kFp32,
            requested == Precision::kAuto
                ? "auto: a TorchScript network runs as saved"
                : "a TorchScript network runs as saved, not in " + toString(requested)};
  if (device.is_cuda()) {
    if (requested == Precision::kAuto) return {Precision::kBf16, "auto: CUDA"};
    return {requested, "as asked"};
  }
  if (!device.is_cpu())
    return {Precision::kFp32, "reduced precision is supported on CPU and CUDA only"};
  const bool bf16Fast = cpuHasAvx512Bf16();
  switch (requested) {
    case Precision::kAuto:
      return bf16Fast ? PrecisionChoice{Precision::kBf16, "auto: this CPU has AVX512-BF16"}
                      : PrecisionChoice{Precision::kFp32,
                                        "auto: this CPU has no AVX512-BF16, bf16 would be slower"};
    case Precision::kBf16:
      if (!cpuCanRunBf16())
        return {Precision::kFp32,
                "bf16 falls back to fp32: this CPU lacks the AVX512 oneDNN's bf16 needs"};
      return {Precision::kBf16,
              bf16Fast ? "as asked" : "as asked (this CPU has no AVX512-BF16: slower than fp32)"};
    case Precision::kFp16:
      return {Precision::kFp32,
              "fp16 falls back to fp32 on the CPU (no fp16 convolution in "
              "LibTorch's oneDNN here)"};
    case Precision::kFp32:
      break;
  }
  return {Precision::kFp32, "as asked"};
}

}  // namespace ddim
