// libFuzzer target: official-style YAML model configs (model/model_config.h), schedule included.
#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.h"
#include "model/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)ddim::parseModelConfig(std::string(reinterpret_cast<const char*>(data), size),
                                 "fuzz.yml");
  } catch (const ddim::Error&) {
  }
  return 0;
}
