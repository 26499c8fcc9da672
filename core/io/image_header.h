#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddim {

/// What an image file declares about itself, read from its header without decoding a pixel.
struct ImageHeader {
  /// "PNG", "JPEG", "GIF", "BMP", "TIFF", "WebP" or "PNM"; empty when the bytes are none of these.
  std::string format;
  int64_t width = 0;  // 0: the header does not say (or could not be read)
  int64_t height = 0;
  int bitsPerSample = 0;  // 0: not known
  int pages = 1;          // TIFF: the images (directories) in the file
  /// Why the file cannot be decoded as it stands (truncated data, 64-bit samples); empty when
  /// the header shows no such problem.
  std::string problem;
  /// What the decoders may not support (64-bit samples): the likely cause when decoding fails.
  std::string unusual;
};

/// Reads the header of PNG, JPEG, GIF, BMP, TIFF, WebP and PNM data, and checks that PNG and JPEG
/// data reach their end marker. Never allocates by a declared size. A header without a problem
/// is one OpenCV's decoder for that format accepts as its signature (OpenCV picks a decoder by
/// signature alone), so no other decoder is ever handed the bytes.
[[nodiscard]] ImageHeader readImageHeader(std::string_view bytes);

}  // namespace ddim
