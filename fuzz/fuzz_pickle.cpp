// libFuzzer target: the restricted unpickler alone (model/pickle.h), with a persistent-id loader
// that hands back a small tensor storage, as a torch checkpoint's would.
#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "errors.h"
#include "model/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto loader = [](const ddim::pickle::Value&) {
    ddim::pickle::Value v;
    v.kind = ddim::pickle::Value::Kind::kStorage;
    v.tensor = at::zeros({16});
    return v;
  };
  try {
    (void)ddim::pickle::unpickle(std::string_view(reinterpret_cast<const char*>(data), size),
                                 "fuzz.pkl", loader);
  } catch (const ddim::Error&) {
  }
  return 0;
}
