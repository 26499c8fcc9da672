#include "qt_tensor.h"

#include <ATen/ATen.h>

#include <cstring>

#include "qt_image_decoder.h"

QImage toQImage(const ddim::Rgb8Image& image) {
  QImage out(image.width, image.height, QImage::Format_RGB888);
  const qsizetype rowBytes = static_cast<qsizetype>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(out.scanLine(y), image.pixels.data() + y * rowBytes, rowBytes);
  }
  return out;
}

ddim::Rgb8Image rgb8FromQImage(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  ddim::Rgb8Image out;
  out.width = rgb.width();
  out.height = rgb.height();
  const size_t rowBytes = static_cast<size_t>(out.width) * 3;
  out.pixels.resize(rowBytes * out.height);
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(out.pixels.data() + y * rowBytes, rgb.constScanLine(y), rowBytes);
  }
  return out;
}

QImage modelSpaceToQImage(const at::Tensor& modelSpace) {
  return toQImage(ddim::toRgb8(modelSpace.detach().to(at::kCPU)));
}

at::Tensor qImageToRgb01(const QImage& image) { return rgb01FromQImage(image); }
