// libFuzzer target: diffusers UNet2DModel config.json (model/diffusers_names.h).
#include <cstddef>
#include <cstdint>

#include "errors.h"
#include "fuzz_util.h"
#include "model/diffusers_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ddim::fuzz::writeInput(data, size, "config.json");
  try {
    (void)ddim::loadDiffusersConfig(ddim::fuzz::scratchDir().string());
  } catch (const ddim::Error&) {
  }
  return 0;
}
