// libFuzzer target: image headers (io/image_header.h) and the decoding path behind them
// (io/image_io.h's decodeImage: the declared size is checked before OpenCV decodes a pixel).
#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "errors.h"
#include "io/image_header.h"
#include "io/image_io.h"

// While decodeImage captures stderr, a crash inside a decoder writes its report into the capture,
// where nobody sees it (a CI run once failed with no report in its log). scripts/fuzz.sh replays
// what it found with DDIM_FUZZ_SHOW_DECODER_OUTPUT=1, which turns the capture off.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* show = std::getenv("DDIM_FUZZ_SHOW_DECODER_OUTPUT"); show && *show == '1')
    ddim::setDecoderMessagesCaptured(false);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const ddim::ImageHeader header = ddim::readImageHeader(bytes);
  if (header.width < 0 || header.height < 0 || header.pages < 0) std::abort();
  try {
    const at::Tensor rgb = ddim::decodeImage(bytes, "fuzz.img");
    // The contract of a decoded image: RGB [3, H, W] float32 in [0, 1], within the size policy.
    if (rgb.dim() != 3 || rgb.size(0) != 3 || rgb.scalar_type() != at::kFloat) std::abort();
    if (rgb.size(1) > ddim::kMaxImageSide || rgb.size(2) > ddim::kMaxImageSide ||
        rgb.size(1) * rgb.size(2) > ddim::kMaxImagePixels) {
      std::abort();
    }
    if (rgb.numel() > 0 && (rgb.min().item<float>() < 0.0F || rgb.max().item<float>() > 1.0F))
      std::abort();
  } catch (const ddim::Error&) {
  }
  return 0;
}
