#include "io/image_header.h"

#include <webp/decode.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace ddim {
namespace {

/// Bounds-checked reads of little- and big-endian integers; out of range reads give 0.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}

  [[nodiscard]] size_t size() const { return data_.size(); }
  [[nodiscard]] bool has(size_t pos, size_t n) const {
    return pos <= data_.size() && n <= data_.size() - pos;
  }
  [[nodiscard]] bool startsWith(std::string_view prefix, size_t pos = 0) const {
    return has(pos, prefix.size()) && data_.substr(pos, prefix.size()) == prefix;
  }
  [[nodiscard]] uint32_t u8(size_t pos) const {
    return has(pos, 1) ? static_cast<unsigned char>(data_[pos]) : 0;
  }
  [[nodiscard]] uint32_t le16(size_t pos) const { return u8(pos) | u8(pos + 1) << 8; }
  [[nodiscard]] uint32_t le32(size_t pos) const { return le16(pos) | le16(pos + 2) << 16; }
  [[nodiscard]] uint32_t be16(size_t pos) const { return u8(pos) << 8 | u8(pos + 1); }
  [[nodiscard]] uint32_t be32(size_t pos) const { return be16(pos) << 16 | be16(pos + 2); }
  [[nodiscard]] std::string_view view() const { return data_; }

 private:
  std::string_view data_;
};

ImageHeader png(const Bytes& b) {
  ImageHeader h;
  h.format = "PNG";
  h.width = b.be32(16);
  h.height = b.be32(20);
  h.bitsPerSample = static_cast<int>(b.u8(24));
  size_t pos = 8;
  while (b.has(pos, 12)) {
    const uint64_t next = pos + 12 + static_cast<uint64_t>(b.be32(pos));
    if (next > b.size()) break;
    if (b.startsWith("IEND", pos + 4)) return h;
    pos = static_cast<size_t>(next);
  }
  h.problem =
      "the PNG data is truncated (it ends before its last chunk): the file is incomplete "
      "or corrupt";
  return h;
}

bool isJpegStartOfFrame(uint32_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

ImageHeader jpeg(const Bytes& b) {
  ImageHeader h;
  h.format = "JPEG";
  const std::string truncated =
      "the JPEG data is truncated (it ends before the image does): the file is incomplete or "
      "corrupt";
  size_t pos = 2;
  while (true) {
    if (!b.has(pos, 2)) {
      h.problem = truncated;
      return h;
    }
    if (b.u8(pos) != 0xFF) {
      h.problem = "the JPEG data is corrupt (no marker where one belongs)";
      return h;
    }
    uint32_t marker = b.u8(pos + 1);
    while (marker == 0xFF && b.has(pos + 1, 2)) marker = b.u8(++pos + 1);  // fill bytes
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xD9) return h;  // end of image before any scan: nothing to decode
    if (marker == 0xDA) {          // start of scan: the entropy-coded data runs to the end marker
      if (b.view().find("\xFF\xD9", pos + 2) == std::string_view::npos) h.problem = truncated;
      return h;
    }
    if (!b.has(pos, 4)) {
      h.problem = truncated;
      return h;
    }
    if (isJpegStartOfFrame(marker) && b.has(pos, 9)) {
      h.bitsPerSample = static_cast<int>(b.u8(pos + 4));
      h.height = b.be16(pos + 5);
      h.width = b.be16(pos + 7);
    }
    pos += 2 + b.be16(pos + 2);
  }
}

ImageHeader gif(const Bytes& b) {
  ImageHeader h;
  h.format = "GIF";
  h.width = b.le16(6);
  h.height = b.le16(8);
  h.bitsPerSample = 8;
  return h;
}

ImageHeader bmp(const Bytes& b) {
  ImageHeader h;
  h.format = "BMP";
  if (b.le32(14) == 12) {  // OS/2 core header: 16-bit sizes
    h.width = b.le16(18);
    h.height = b.le16(20);
  } else {
    h.width = std::llabs(static_cast<int32_t>(b.le32(18)));
    h.height = std::llabs(static_cast<int32_t>(b.le32(22)));  // negative: rows top-down
  }
  return h;
}

ImageHeader tiff(const Bytes& b) {
  ImageHeader h;
  h.format = "TIFF";
  const bool little = b.startsWith("II");
  auto u16 = [&](size_t pos) { return little ? b.le16(pos) : b.be16(pos); };
  auto u32 = [&](size_t pos) { return little ? b.le32(pos) : b.be32(pos); };
  if (u16(2) != 42) return h;  // BigTIFF (43): OpenCV reads its header itself
  size_t ifd = u32(4);
  if (!b.has(ifd, 2)) {
    h.problem =
        "the TIFF data is truncated or corrupt (its first image lies past the end of the "
        "file)";
    return h;
  }
  int sampleFormat = 1;
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries && b.has(ifd + 2 + 12 * i, 12); ++i) {
    const size_t e = ifd + 2 + 12 * i;
    const uint32_t tag = u16(e);
    const uint32_t type = u16(e + 2);
    const uint32_t count = u32(e + 4);
    // The first value: inline when the values fit in 4 bytes, else at the offset given there.
    const size_t at = (type == 3 && count <= 2) || (type == 4 && count <= 1) ? e + 8 : u32(e + 8);
    const uint32_t value = type == 3 ? u16(at) : u32(at);
    if (tag == 256) h.width = value;
    if (tag == 257) h.height = value;
    if (tag == 258) h.bitsPerSample = static_cast<int>(value);
    if (tag == 339) sampleFormat = static_cast<int>(value);
  }
  h.pages = 0;
  for (int guard = 0; ifd != 0 && b.has(ifd, 2) && guard < 100000; ++guard) {
    ++h.pages;
    ifd = u32(ifd + 2 + 12 * static_cast<size_t>(u16(ifd)));
  }
  if (h.bitsPerSample == 64) {
    h.unusual = std::string("its first image stores 64-bit ") +
                (sampleFormat == 3 ? "floating-point" : "integer") +
                " samples, which the decoder does not read: save it with 8 or 16 bits a sample";
  }
  return h;
}

/// The first 32 bytes go through libwebp's WebPGetFeatures, exactly as OpenCV's WebP decoder
/// checks a signature (padded with spaces as OpenCV pads a short buffer). Where libwebp refuses
/// them, OpenCV goes on down its list of decoders, and its DICOM reader, which looks for "DICM" at
/// byte 128 rather than at the start, takes the file: GDCM then asserts on what follows and ends
/// the process (found by fuzz_image_header). So such a header is corrupt here.
ImageHeader webp(const Bytes& b) {
  ImageHeader h;
  h.format = "WebP";
  h.bitsPerSample = 8;
  constexpr size_t kSignatureBytes = 32;
  std::string signature(b.view().substr(0, kSignatureBytes));
  signature.resize(kSignatureBytes, ' ');
  WebPBitstreamFeatures features{};
  if (WebPGetFeatures(reinterpret_cast<const uint8_t*>(signature.data()), signature.size(),
                      &features) != VP8_STATUS_OK) {
    h.problem = "the WebP header is corrupt (the WebP decoder does not accept it)";
    return h;
  }
  h.width = features.width;
  h.height = features.height;
  return h;
}

ImageHeader pnm(const Bytes& b) {
  ImageHeader h;
  h.format = "PNM";
  const std::string_view s = b.view();
  // OpenCV takes "P1" to "P6" for PNM only when whitespace follows, as the format requires;
  // otherwise it would hand the file to a later decoder (see webp() above).
  if (!std::isspace(static_cast<unsigned char>(s[2]))) {
    h.problem = "the PNM header is corrupt (its magic number " + std::string(s.substr(0, 2)) +
                " is not followed by whitespace)";
    return h;
  }
  size_t pos = 2;
  int64_t numbers[2] = {0, 0};
  for (int64_t& n : numbers) {
    while (pos < s.size() && (s[pos] == '#' || std::isspace(static_cast<unsigned char>(s[pos])))) {
      if (s[pos] == '#') {
        while (pos < s.size() && s[pos] != '\n') ++pos;
      } else {
        ++pos;
      }
    }
    int digits = 0;
    for (; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos) {
      if (++digits <= 12) n = n * 10 + (s[pos] - '0');
    }
    // Width and height end at whitespace, as every writer puts them. The decoder reads on past
    // anything else (OpenCV takes "8888Z88888" for 8888 x 88888): a size this reader did not
    // see, which it would allocate (found by fuzz_image_header). So anything else is corrupt.
    if (digits == 0 || pos >= s.size() || !std::isspace(static_cast<unsigned char>(s[pos]))) {
      h.problem =
          "the PNM header is corrupt or truncated (its width and height are not two numbers "
          "separated by whitespace)";
      return h;
    }
  }
  h.width = numbers[0];
  h.height = numbers[1];
  return h;
}

}  // namespace

ImageHeader readImageHeader(std::string_view data) {
  const Bytes b(data);
  if (b.startsWith("\x89PNG\r\n\x1A\n")) return png(b);
  if (b.startsWith("\xFF\xD8")) return jpeg(b);
  if (b.startsWith("GIF87a") || b.startsWith("GIF89a")) return gif(b);
  if (b.startsWith("BM") && b.has(0, 26)) return bmp(b);
  if (b.startsWith(std::string_view("II*\0", 4)) || b.startsWith(std::string_view("MM\0*", 4)) ||
      b.startsWith(std::string_view("II+\0", 4)) || b.startsWith(std::string_view("MM\0+", 4))) {
    return tiff(b);
  }
  if (b.startsWith("RIFF") && b.startsWith("WEBP", 8)) return webp(b);
  if (b.size() > 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6') return pnm(b);
  return {};
}

}  // namespace ddim
