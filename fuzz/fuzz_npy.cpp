// libFuzzer target: .npy files (io/npy.h).
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)ddim::parseNpy(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  } catch (const ddim::Error&) {
  }
  return 0;
}
