// The GIF writer, checked by decoding its output with Qt's own GIF reader and with giflib's.
#include "gif_writer.h"

#include <gif_lib.h>
#include <gtest/gtest.h>

#include <QBuffer>
#include <QImageReader>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <algorithm>
#include <cstring>

namespace {

QVector<QImage> decodeAll(const QByteArray& bytes, int* loopCount = nullptr, int* delay = nullptr) {
  QBuffer buffer;
  buffer.setData(bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, "gif");
  EXPECT_TRUE(reader.canRead()) << reader.errorString().toStdString();
  EXPECT_TRUE(reader.supportsAnimation());
  QVector<QImage> frames;
  while (reader.canRead()) {
    const QImage image = reader.read();
    if (image.isNull()) break;
    if (delay && frames.isEmpty()) *delay = reader.nextImageDelay();  // the frame just read
    frames << image.convertToFormat(QImage::Format_RGB32);
  }
  if (loopCount) *loopCount = reader.loopCount();
  return frames;
}

QImage randomImage(int w, int h, const QVector<QRgb>& colours, quint32 seed) {
  QRandomGenerator rng(seed);
  QImage image(w, h, QImage::Format_RGB32);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) image.setPixel(x, y, colours[rng.bounded(colours.size())]);
  }
  return image;
}

int maxChannelError(const QImage& a, const QImage& b) {
  int worst = 0;
  for (int y = 0; y < a.height(); ++y) {
    for (int x = 0; x < a.width(); ++x) {
      const QRgb p = a.pixel(x, y);
      const QRgb q = b.pixel(x, y);
      worst = std::max({worst, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                        std::abs(qBlue(p) - qBlue(q))});
    }
  }
  return worst;
}

TEST(GifWriter, FewColoursDecodeExactlyWithDelayAndEndlessLoop) {
  const QVector<QRgb> colours = {qRgb(255, 0, 0), qRgb(0, 128, 255), qRgb(250, 250, 250)};
  const QVector<QImage> frames = {randomImage(20, 10, colours, 1), randomImage(20, 10, colours, 2),
                                  randomImage(20, 10, colours, 3)};
  int loop = 0;
  int delay = 0;
  const QVector<QImage> decoded = decodeAll(GifWriter::encode(frames, 120), &loop, &delay);
  ASSERT_EQ(decoded.size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decoded[i], frames[i]) << "frame " << i;
  EXPECT_EQ(delay, 120);
  EXPECT_EQ(loop, -1);  // Qt reports NETSCAPE loop count 0 as "forever"
}

TEST(GifWriter, FiniteLoopCountIsKept) {
  const QVector<QImage> frames = {randomImage(4, 4, {qRgb(0, 0, 0), qRgb(255, 255, 255)}, 1)};
  int loop = 0;
  decodeAll(GifWriter::encode(frames, 50, 3), &loop);
  EXPECT_EQ(loop, 3);
}

TEST(GifWriter, LongNoisyFramesDecodeExactly) {
  // 256 colours of random noise: exact palette, and far more than 4096 LZW codes per frame.
  QVector<QRgb> colours;
  for (int i = 0; i < 256; ++i) colours << qRgb(i, (i * 37) % 256, (i * 91) % 256);
  const QVector<QImage> frames = {randomImage(160, 120, colours, 7),
                                  randomImage(160, 120, colours, 8)};
  const QVector<QImage> decoded = decodeAll(GifWriter::encode(frames, 100));
  ASSERT_EQ(decoded.size(), 2);
  EXPECT_EQ(decoded[0], frames[0]);
  EXPECT_EQ(decoded[1], frames[1]);
}

TEST(GifWriter, ManyColoursAreApproximatedByMedianCut) {
  QImage gradient(64, 64, QImage::Format_RGB32);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) gradient.setPixel(x, y, qRgb(x * 4, y * 4, (x + y) * 2));
  }
  const QVector<QRgb> palette = GifWriter::buildPalette({gradient}, 256);
  EXPECT_EQ(palette.size(), 256);
  const QVector<QImage> decoded = decodeAll(GifWriter::encode({gradient}, 100));
  ASSERT_EQ(decoded.size(), 1);
  EXPECT_LE(maxChannelError(decoded[0], gradient), 24);
}

/// Reads GIF bytes with giflib's DGifSlurp.
struct SlurpedGif {
  QByteArray bytes;
  qsizetype position = 0;
  GifFileType* gif = nullptr;
  int error = 0;

  explicit SlurpedGif(const QByteArray& data) : bytes(data) {
    gif = DGifOpen(this, &SlurpedGif::read, &error);
    if (gif && DGifSlurp(gif) != GIF_OK) error = gif->Error;
  }
  ~SlurpedGif() {
    if (gif) DGifCloseFile(gif, nullptr);
  }
  SlurpedGif(const SlurpedGif&) = delete;
  SlurpedGif& operator=(const SlurpedGif&) = delete;

  static int read(GifFileType* file, GifByteType* out, int size) {
    auto* self = static_cast<SlurpedGif*>(file->UserData);
    const int n = static_cast<int>(std::min<qsizetype>(size, self->bytes.size() - self->position));
    std::memcpy(out, self->bytes.constData() + self->position, n);
    self->position += n;
    return n;
  }
  /// Frame `i` as RGB, through the global colour table.
  [[nodiscard]] QImage frame(int i) const {
    const SavedImage& saved = gif->SavedImages[i];
    const ColorMapObject* map =
        saved.ImageDesc.ColorMap ? saved.ImageDesc.ColorMap : gif->SColorMap;
    QImage image(saved.ImageDesc.Width, saved.ImageDesc.Height, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y) {
      for (int x = 0; x < image.width(); ++x) {
        const GifColorType c = map->Colors[saved.RasterBits[y * image.width() + x]];
        image.setPixel(x, y, qRgb(c.Red, c.Green, c.Blue));
      }
    }
    return image;
  }
};

TEST(GifWriter, GiflibReadsTheFramesDelaysAndLoop) {
  QImage gradient(48, 32, QImage::Format_RGB32);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 48; ++x) gradient.setPixel(x, y, qRgb(x * 5, y * 8, 255 - x * 5));
  }
  const QVector<QImage> frames = {gradient, gradient.mirrored(true, false),
                                  gradient.mirrored(false, true), gradient.mirrored(true, true)};
  const QByteArray bytes = GifWriter::encode(frames, 80);
  ASSERT_TRUE(bytes.startsWith("GIF89a"));
  const SlurpedGif decoded(bytes);
  ASSERT_NE(decoded.gif, nullptr) << GifErrorString(decoded.error);
  ASSERT_EQ(decoded.error, 0) << GifErrorString(decoded.error);
  const GifFileType& gif = *decoded.gif;
  EXPECT_EQ(gif.SWidth, 48);
  EXPECT_EQ(gif.SHeight, 32);
  ASSERT_NE(gif.SColorMap, nullptr);
  EXPECT_LE(gif.SColorMap->ColorCount, 256);
  ASSERT_EQ(gif.ImageCount, 4);

  bool loopsForever = false;
  const SavedImage& first = gif.SavedImages[0];
  for (int e = 0; e + 1 < first.ExtensionBlockCount; ++e) {
    const ExtensionBlock& block = first.ExtensionBlocks[e];
    const ExtensionBlock& data = first.ExtensionBlocks[e + 1];
    if (block.Function == APPLICATION_EXT_FUNC_CODE && block.ByteCount == 11 &&
        std::memcmp(block.Bytes, "NETSCAPE2.0", 11) == 0 && data.ByteCount == 3) {
      loopsForever = data.Bytes[0] == 1 && data.Bytes[1] == 0 && data.Bytes[2] == 0;
    }
  }
  EXPECT_TRUE(loopsForever);
  for (int i = 0; i < gif.ImageCount; ++i) {
    GraphicsControlBlock control;
    ASSERT_EQ(DGifSavedExtensionToGCB(decoded.gif, i, &control), GIF_OK);
    EXPECT_EQ(control.DelayTime, 8) << "frame " << i;  // 80 ms in 1/100 s
    EXPECT_EQ(gif.SavedImages[i].ImageDesc.Width, 48);
    EXPECT_EQ(gif.SavedImages[i].ImageDesc.Height, 32);
    EXPECT_LE(maxChannelError(decoded.frame(i), frames[i]), 24) << "frame " << i;
  }
}

TEST(GifWriter, WritesAtomicallyToAFile) {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("a.gif"));
  QString error;
  ASSERT_TRUE(
      GifWriter::write(path, {randomImage(8, 8, {qRgb(1, 2, 3), qRgb(9, 9, 9)}, 4)}, 100, &error))
      << error.toStdString();
  QImageReader reader(path);
  EXPECT_EQ(reader.format(), QByteArray("gif"));
  EXPECT_EQ(reader.size(), QSize(8, 8));
  EXPECT_FALSE(GifWriter::write(dir.filePath(QStringLiteral("no/such/dir/a.gif")),
                                {QImage(2, 2, QImage::Format_RGB32)}, 100, &error));
  EXPECT_FALSE(error.isEmpty());
}

}  // namespace
