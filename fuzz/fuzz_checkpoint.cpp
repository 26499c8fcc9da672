// libFuzzer target: torch zip checkpoints (model/torch_checkpoint.h): the zip directory, its
// CRCs, and the restricted unpickler over data.pkl.
#include <cstddef>
#include <cstdint>

#include "errors.h"
#include "fuzz_util.h"
#include "model/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ddim::fuzz::writeInput(data, size, "input.pt");
  try {
    (void)ddim::readTorchCheckpoint(path);
  } catch (const ddim::Error&) {
  }
  return 0;
}
