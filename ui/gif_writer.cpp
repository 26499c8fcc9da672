#include "gif_writer.h"

#include <gif_lib.h>

#include <QHash>
#include <QObject>
#include <QSaveFile>
#include <algorithm>
#include <array>
#include <climits>
#include <vector>

namespace {

struct Colour {
  QRgb rgb;
  qint64 count;
};

int channel(QRgb c, int ch) { return ch == 0 ? qRed(c) : ch == 1 ? qGreen(c) : qBlue(c); }

/// [begin, end) of the shared colour list, split along its widest channel.
struct Box {
  int begin;
  int end;
  int widest = 0;
  int range = 0;
  qint64 pixels = 0;
};

void measure(const std::vector<Colour>& colours, Box& box) {
  std::array<int, 3> lo = {255, 255, 255};
  std::array<int, 3> hi = {0, 0, 0};
  box.pixels = 0;
  for (int i = box.begin; i < box.end; ++i) {
    for (int ch = 0; ch < 3; ++ch) {
      lo[ch] = std::min(lo[ch], channel(colours[i].rgb, ch));
      hi[ch] = std::max(hi[ch], channel(colours[i].rgb, ch));
    }
    box.pixels += colours[i].count;
  }
  box.range = -1;
  for (int ch = 0; ch < 3; ++ch) {
    if (hi[ch] - lo[ch] > box.range) {
      box.range = hi[ch] - lo[ch];
      box.widest = ch;
    }
  }
}

/// giflib's output callback: appends to the QByteArray in UserData.
int appendBytes(GifFileType* gif, const GifByteType* bytes, int size) {
  static_cast<QByteArray*>(gif->UserData)->append(reinterpret_cast<const char*>(bytes), size);
  return size;
}

QString gifError(int code) {
  const char* text = GifErrorString(code);
  return text ? QString::fromUtf8(text) : QObject::tr("giflib error %1").arg(code);
}

/// Maps colours to the index of the nearest palette entry (squared RGB distance), remembering
/// every colour it has seen: frames of model images repeat few colours.
class NearestColour {
 public:
  explicit NearestColour(const QVector<QRgb>& palette) : palette_(palette) {}

  GifPixelType operator()(QRgb c) {
    const auto it = known_.constFind(c);
    if (it != known_.cend()) return it.value();
    int best = 0;
    int bestDistance = INT_MAX;
    for (int i = 0; i < palette_.size(); ++i) {
      const int dr = qRed(c) - qRed(palette_[i]);
      const int dg = qGreen(c) - qGreen(palette_[i]);
      const int db = qBlue(c) - qBlue(palette_[i]);
      const int d = dr * dr + dg * dg + db * db;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    known_.insert(c, static_cast<GifPixelType>(best));
    return static_cast<GifPixelType>(best);
  }

 private:
  const QVector<QRgb>& palette_;
  QHash<QRgb, GifPixelType> known_;
};

/// Writes the whole animation through giflib; false with `error` set when giflib fails.
bool encodeGif(const QVector<QImage>& frames, int delayMs, int loopCount, QByteArray& out,
               QString* error) {
  const QSize size = frames.front().size();
  const QVector<QRgb> palette = GifWriter::buildPalette(frames, 256);
  const int tableBits = std::max(1, GifBitSize(static_cast<int>(palette.size())));
  std::vector<GifColorType> colours(size_t{1} << tableBits, GifColorType{0, 0, 0});
  for (int i = 0; i < palette.size(); ++i) {
    colours[i] = GifColorType{static_cast<GifByteType>(qRed(palette[i])),
                              static_cast<GifByteType>(qGreen(palette[i])),
                              static_cast<GifByteType>(qBlue(palette[i]))};
  }

  int code = E_GIF_SUCCEEDED;
  GifFileType* gif = EGifOpen(&out, appendBytes, &code);
  if (!gif) {
    if (error) *error = gifError(code);
    return false;
  }
  EGifSetGifVersion(gif, /*gif89=*/true);
  ColorMapObject* map = GifMakeMapObject(static_cast<int>(colours.size()), colours.data());
  bool ok = map && EGifPutScreenDesc(gif, size.width(), size.height(), /*GifColorRes=*/8,
                                     /*GifBackGround=*/0, map) == GIF_OK;
  GifFreeMapObject(map);  // the screen descriptor keeps its own copy

  // NETSCAPE2.0 application extension: sub-block 1 holds the loop count (0: forever).
  const GifByteType loop[3] = {1, static_cast<GifByteType>(loopCount & 0xff),
                               static_cast<GifByteType>((loopCount >> 8) & 0xff)};
  ok = ok && EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
       EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_OK &&
       EGifPutExtensionBlock(gif, sizeof loop, loop) == GIF_OK &&
       EGifPutExtensionTrailer(gif) == GIF_OK;

  GraphicsControlBlock control;
  control.DisposalMode = DISPOSE_DO_NOT;
  control.UserInputFlag = false;
  control.DelayTime = (delayMs + 5) / 10;  // GIF delays are in 1/100 s
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType controlBytes[4];
  EGifGCBToExtension(&control, controlBytes);

  NearestColour nearest(palette);
  std::vector<GifPixelType> line(static_cast<size_t>(size.width()));
  for (int f = 0; ok && f < frames.size(); ++f) {
    const QImage rgb = frames[f]
                           .convertToFormat(QImage::Format_RGB32)
                           .scaled(size, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, sizeof controlBytes, controlBytes) ==
             GIF_OK &&
         EGifPutImageDesc(gif, 0, 0, size.width(), size.height(), /*GifInterlace=*/false,
                          /*GifColorMap=*/nullptr) == GIF_OK;
    for (int y = 0; ok && y < rgb.height(); ++y) {
      const auto* row = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
      for (int x = 0; x < rgb.width(); ++x) line[x] = nearest(row[x] | 0xff000000u);
      ok = EGifPutLine(gif, line.data(), size.width()) == GIF_OK;
    }
  }
  if (!ok) code = gif->Error;
  if (EGifCloseFile(gif, ok ? &code : nullptr) != GIF_OK) ok = false;  // frees gif in any case
  if (!ok && error) *error = QObject::tr("cannot encode the GIF: %1").arg(gifError(code));
  return ok;
}

}  // namespace

QVector<QRgb> GifWriter::buildPalette(const QVector<QImage>& frames, int maxColours) {
  QHash<QRgb, qint64> counts;
  for (const QImage& frame : frames) {
    const QImage rgb = frame.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < rgb.height(); ++y) {
      const auto* row = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
      for (int x = 0; x < rgb.width(); ++x) ++counts[row[x] | 0xff000000u];
    }
  }
  std::vector<Colour> colours;
  colours.reserve(counts.size());
  for (auto it = counts.cbegin(); it != counts.cend(); ++it)
    colours.push_back({it.key(), it.value()});
  std::sort(colours.begin(), colours.end(),
            [](const Colour& a, const Colour& b) { return a.rgb < b.rgb; });
  QVector<QRgb> palette;
  if (static_cast<int>(colours.size()) <= maxColours) {
    for (const Colour& c : colours) palette.push_back(c.rgb);
    return palette;
  }
  std::vector<Box> boxes = {Box{0, static_cast<int>(colours.size())}};
  measure(colours, boxes[0]);
  while (static_cast<int>(boxes.size()) < maxColours) {
    // Split the box with the widest spread (weighted by how many pixels it holds).
    auto pick = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
      return (a.end - a.begin > 1 ? a.range : -1) * static_cast<double>(a.pixels) <
             (b.end - b.begin > 1 ? b.range : -1) * static_cast<double>(b.pixels);
    });
    if (pick->end - pick->begin < 2) break;
    Box box = *pick;
    std::sort(colours.begin() + box.begin, colours.begin() + box.end,
              [ch = box.widest](const Colour& a, const Colour& b) {
                return channel(a.rgb, ch) < channel(b.rgb, ch);
              });
    qint64 seen = 0;
    int split = box.begin + 1;
    for (int i = box.begin; i < box.end - 1; ++i) {
      seen += colours[i].count;
      split = i + 1;
      if (seen * 2 >= box.pixels) break;
    }
    Box lower{box.begin, split};
    Box upper{split, box.end};
    measure(colours, lower);
    measure(colours, upper);
    *pick = lower;
    boxes.push_back(upper);
  }
  for (const Box& box : boxes) {
    double r = 0, g = 0, b = 0;
    for (int i = box.begin; i < box.end; ++i) {
      r += qRed(colours[i].rgb) * static_cast<double>(colours[i].count);
      g += qGreen(colours[i].rgb) * static_cast<double>(colours[i].count);
      b += qBlue(colours[i].rgb) * static_cast<double>(colours[i].count);
    }
    const double n = static_cast<double>(box.pixels);
    palette.push_back(qRgb(static_cast<int>(r / n + 0.5), static_cast<int>(g / n + 0.5),
                           static_cast<int>(b / n + 0.5)));
  }
  return palette;
}

QByteArray GifWriter::encode(const QVector<QImage>& frames, int delayMs, int loopCount) {
  QByteArray out;
  if (frames.isEmpty() || !encodeGif(frames, delayMs, loopCount, out, nullptr)) return {};
  return out;
}

bool GifWriter::write(const QString& path, const QVector<QImage>& frames, int delayMs,
                      QString* error, int loopCount) {
  if (frames.isEmpty()) {
    if (error) *error = QObject::tr("no frames to write");
    return false;
  }
  QByteArray bytes;
  if (!encodeGif(frames, delayMs, loopCount, bytes, error)) return false;
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = file.errorString();
    return false;
  }
  // QSaveFile::commit() misses a failed write of its buffer (a full disk): flush first.
  if (file.write(bytes) != bytes.size() || !file.flush()) {
    if (error) *error = file.errorString();
    file.cancelWriting();
    return false;
  }
  if (!file.commit()) {
    if (error) *error = file.errorString();
    return false;
  }
  return true;
}
