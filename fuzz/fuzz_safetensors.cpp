// libFuzzer target: .safetensors files (model/safetensors.h), header and data.
#include <cstddef>
#include <cstdint>

#include "errors.h"
#include "fuzz_util.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ddim::fuzz::writeInput(data, size, "input.safetensors");
  try {
    (void)ddim::readSafetensorsLayout(path);
    (void)ddim::readSafetensors(path);
  } catch (const ddim::Error&) {
  }
  return 0;
}
