#include "qt_tensor.h"

#include <ATen/ATen.h>

#include <cstring>

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

at::Tensor qImageToRgb01(const QImage& image) {
  const QImage rgba = image.convertToFormat(QImage::Format_RGBA8888);
  const int w = rgba.width();
  const int h = rgba.height();
  auto out = at::empty({3, h, w}, at::kFloat);
  auto acc = out.accessor<float, 3>();
  for (int y = 0; y < h; ++y) {
    const uchar* row = rgba.constScanLine(y);
    for (int x = 0; x < w; ++x) {
      const float a = row[4 * x + 3] / 255.0f;
      for (int c = 0; c < 3; ++c) {
        acc[c][y][x] = (row[4 * x + c] / 255.0f) * a + (1.0f - a);  // composite on white
      }
    }
  }
  return out;
}
