#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ddim {

/// 8-bit interleaved RGB pixels (row-major, 3 bytes a pixel): the form images cross into the UI.
struct Rgb8Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

/// The largest image readImage accepts, a policy: a decoded image costs 12 bytes a pixel as
/// float RGB, so 50 megapixels is 600 MB. The header's declared size is checked before decoding.
inline constexpr int64_t kMaxImagePixels = 50'000'000;
inline constexpr int64_t kMaxImageSide = 32768;

/// Reads an image as RGB in [0, 1] float32 [3, H, W]: PNG, JPEG, BMP, TIFF (first page), WebP and
/// PNM through OpenCV, and what OpenCV cannot read (GIF, ...) through the fallback decoder a front
/// end registered. Gray is spread to RGB, alpha composited on white, 16-bit samples scaled by
/// 65535. Throws ddim::Error with one line naming the file and the cause; the decoders' own
/// messages are kept off stderr. `note`, when given, receives a remark on a readable but doubtful
/// image (a 16-bit image that comes out nearly black), or is cleared.
[[nodiscard]] at::Tensor readImage(const std::string& path, std::string* note = nullptr);
/// Decodes image bytes in memory (same rules as readImage); `name` is used in messages.
[[nodiscard]] at::Tensor decodeImage(const std::string& bytes, const std::string& name,
                                     std::string* note = nullptr);

/// A decoder for what OpenCV cannot read: gets the file's bytes and returns RGB [3, H, W] float32
/// in [0, 1] (alpha composited on white), or throws ddim::Error with the cause (without the file
/// name). It must refuse images above kMaxImagePixels or kMaxImageSide before decoding them.
using ImageDecoder = std::function<at::Tensor(std::string_view bytes)>;
/// Registers `decoder` as the fallback of readImage (the front ends register Qt's QImageReader);
/// `formats` names what it adds, for messages ("GIF"). Call before any thread reads images.
void setFallbackImageDecoder(ImageDecoder decoder, std::string formats);

/// Whether decodeImage sends what the decoders print to stderr into its message (the default)
/// rather than to stderr. While the capture runs, everything the process writes to stderr is
/// captured, including a sanitizer's or libFuzzer's report of a crash inside a decoder; the fuzz
/// targets turn it off when they replay an input, so that such a report reaches the terminal.
void setDecoderMessagesCaptured(bool captured);

/// Centre-crops to square and area-resizes to size x size: [3, H, W] in [0, 1] -> [3, S, S].
[[nodiscard]] at::Tensor cropAndResize(const at::Tensor& rgb01, int size);

/// readImage + cropAndResize + map to model space: [1, 3, S, S] float32 in [-1, 1] (x = 2 img - 1).
[[nodiscard]] at::Tensor loadImageForModel(const std::string& path, int size,
                                           std::string* note = nullptr);

/// Model space [.., 3, H, W] (first item if batched) -> 8-bit RGB via (x + 1) / 2 clamped.
[[nodiscard]] Rgb8Image toRgb8(const at::Tensor& modelSpace);
/// Values already in [0, 1] -> 8-bit RGB.
[[nodiscard]] Rgb8Image toRgb8From01(const at::Tensor& rgb01);

/// Writes an 8-bit RGB PNG atomically.
void writePng(const std::string& path, const Rgb8Image& image);
/// Model space tensor [3, H, W] or [1, 3, H, W] -> PNG.
void writeModelImagePng(const std::string& path, const at::Tensor& modelSpace);

/// A grid of tiles (all the same size) with an optional label under each, scaled by an integer
/// factor with nearest-neighbour so small images stay crisp.
[[nodiscard]] Rgb8Image makeLabelledGrid(const std::vector<Rgb8Image>& tiles,
                                         const std::vector<std::string>& labels, int columns,
                                         int scale);

/// Visualises a latent (roughly N(0, I)) as an image: clamp to [-3, 3], map to [0, 255].
[[nodiscard]] Rgb8Image visualiseLatent(const at::Tensor& latent);

/// Per-dimension MSE between two model-space images measured in [0, 1] pixels, and PSNR (dB).
struct ImageError {
  double mse = 0;
  double psnr = 0;
};
[[nodiscard]] ImageError imageError(const at::Tensor& a, const at::Tensor& b);
/// PSNR in dB of a mean squared error measured on [0, 1] pixels (infinity for 0).
[[nodiscard]] double psnrFromMse(double mse);

}  // namespace ddim
