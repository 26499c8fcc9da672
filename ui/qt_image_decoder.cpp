#include "qt_image_decoder.h"

#include <ATen/ATen.h>

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <QImageReader>
#include <string_view>

#include "errors.h"
#include "io/image_io.h"

namespace {

at::Tensor decodeWithQt(std::string_view bytes) {
  QByteArray data = QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size()));
  QBuffer buffer(&data);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer);
  if (!reader.canRead()) {
    throw ddim::Error("Qt's image reader: " + reader.errorString().toStdString());
  }
  const QSize size = reader.size();  // from the header, before any pixel is decoded
  if (size.isValid() &&
      (size.width() > ddim::kMaxImageSide || size.height() > ddim::kMaxImageSide ||
       static_cast<int64_t>(size.width()) * size.height() > ddim::kMaxImagePixels)) {
    throw ddim::Error("it declares " + std::to_string(size.width()) + " x " +
                      std::to_string(size.height()) +
                      " pixels, more than the largest image this program opens");
  }
  const QImage image = reader.read();  // the first frame of an animation
  if (image.isNull()) {
    throw ddim::Error("Qt's image reader: " + reader.errorString().toStdString());
  }
  return rgb01FromQImage(image);
}

}  // namespace

at::Tensor rgb01FromQImage(const QImage& image) {
  const bool deep = image.depth() > 32 || image.format() == QImage::Format_Grayscale16;
  const QImage rgba = image.convertToFormat(deep ? QImage::Format_RGBA64 : QImage::Format_RGBA8888);
  const int w = rgba.width();
  const int h = rgba.height();
  auto out = at::empty({3, h, w}, at::kFloat);
  auto acc = out.accessor<float, 3>();
  for (int y = 0; y < h; ++y) {
    const uchar* line = rgba.constScanLine(y);
    for (int x = 0; x < w; ++x) {
      float px[4];
      for (int c = 0; c < 4; ++c) {
        px[c] = deep ? reinterpret_cast<const quint16*>(line)[4 * x + c] / 65535.0f
                     : line[4 * x + c] / 255.0f;
      }
      for (int c = 0; c < 3; ++c) acc[c][y][x] = px[c] * px[3] + (1.0f - px[3]);  // on white
    }
  }
  return out;
}

void installQtImageDecoder() {
  // Qt's own limit on one image's memory, in MB: room for the largest image at 16 bits RGBA.
  QImageReader::setAllocationLimit(static_cast<int>(ddim::kMaxImagePixels * 8 / (1 << 20)) + 1);
  QStringList formats;
  for (const QByteArray& f : QImageReader::supportedImageFormats()) {
    const QString name = QString::fromLatin1(f).toUpper();
    if (name == QLatin1String("GIF") || name == QLatin1String("ICO")) formats << name;
  }
  ddim::setFallbackImageDecoder(decodeWithQt, formats.join(QStringLiteral(", ")).toStdString());
}
