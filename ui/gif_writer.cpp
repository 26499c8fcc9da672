#include "gif_writer.h"

#include <QHash>
#include <QSaveFile>
#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>
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

void put16(QByteArray& out, int v) {
  out.append(static_cast<char>(v & 0xff));
  out.append(static_cast<char>((v >> 8) & 0xff));
}

/// Packs codes least-significant bit first, as GIF requires.
class BitWriter {
 public:
  void write(int code, int bits) {
    buffer_ |= static_cast<uint32_t>(code) << count_;
    count_ += bits;
    while (count_ >= 8) {
      out_.append(static_cast<char>(buffer_ & 0xff));
      buffer_ >>= 8;
      count_ -= 8;
    }
  }
  QByteArray finish() {
    if (count_ > 0) out_.append(static_cast<char>(buffer_ & 0xff));
    buffer_ = 0;
    count_ = 0;
    return out_;
  }

 private:
  QByteArray out_;
  uint32_t buffer_ = 0;
  int count_ = 0;
};

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

QByteArray GifWriter::lzwEncode(const QByteArray& indices, int minCodeSize) {
  const int clear = 1 << minCodeSize;
  const int end = clear + 1;
  BitWriter bits;
  std::unordered_map<uint32_t, int> table;  // (prefix code << 8 | next index) -> code
  int codeSize = minCodeSize + 1;
  int next = end + 1;
  bits.write(clear, codeSize);
  if (indices.isEmpty()) {
    bits.write(end, codeSize);
    return bits.finish();
  }
  int prefix = static_cast<uint8_t>(indices[0]);
  for (qsizetype i = 1; i < indices.size(); ++i) {
    const int k = static_cast<uint8_t>(indices[i]);
    const uint32_t key = (static_cast<uint32_t>(prefix) << 8) | static_cast<uint32_t>(k);
    const auto found = table.find(key);
    if (found != table.end()) {
      prefix = found->second;
      continue;
    }
    bits.write(prefix, codeSize);
    const int added = next++;
    table.emplace(key, added);
    // The decoder adds its entries one code later, so it widens after reading the code that
    // follows the one where the new entry first needs another bit.
    if (added == (1 << codeSize) && codeSize < 12) ++codeSize;
    if (added == 4095) {
      bits.write(clear, codeSize);
      table.clear();
      codeSize = minCodeSize + 1;
      next = end + 1;
    }
    prefix = k;
  }
  bits.write(prefix, codeSize);
  bits.write(end, codeSize);
  return bits.finish();
}

QByteArray GifWriter::encode(const QVector<QImage>& frames, int delayMs, int loopCount) {
  if (frames.isEmpty()) return {};
  const QSize size = frames.front().size();
  const QVector<QRgb> palette = buildPalette(frames, 256);
  int tableBits = 1;
  while ((1 << tableBits) < palette.size()) ++tableBits;
  const int minCodeSize = std::max(2, tableBits);

  QByteArray out("GIF89a");
  put16(out, size.width());
  put16(out, size.height());
  out.append(static_cast<char>(0xf0 | (tableBits - 1)));  // global table, 8-bit colour resolution
  out.append('\0');                                       // background colour index
  out.append('\0');                                       // square pixels
  for (int i = 0; i < (1 << tableBits); ++i) {
    const QRgb c = i < palette.size() ? palette[i] : qRgb(0, 0, 0);
    out.append(static_cast<char>(qRed(c)));
    out.append(static_cast<char>(qGreen(c)));
    out.append(static_cast<char>(qBlue(c)));
  }
  out.append("\x21\xff\x0bNETSCAPE2.0\x03\x01", 16);
  put16(out, loopCount);
  out.append('\0');

  QHash<QRgb, uchar> nearest;
  auto indexOf = [&](QRgb c) -> uchar {
    const auto it = nearest.constFind(c);
    if (it != nearest.cend()) return it.value();
    int best = 0;
    int bestDistance = INT32_MAX;
    for (int i = 0; i < palette.size(); ++i) {
      const int dr = qRed(c) - qRed(palette[i]);
      const int dg = qGreen(c) - qGreen(palette[i]);
      const int db = qBlue(c) - qBlue(palette[i]);
      const int d = dr * dr + dg * dg + db * db;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    nearest.insert(c, static_cast<uchar>(best));
    return static_cast<uchar>(best);
  };

  const int delay = (delayMs + 5) / 10;
  for (const QImage& frame : frames) {
    const QImage rgb = frame.convertToFormat(QImage::Format_RGB32)
                           .scaled(size, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    out.append("\x21\xf9\x04\x04", 4);  // graphic control: disposal "leave in place"
    put16(out, delay);
    out.append('\0');  // no transparent colour
    out.append('\0');
    out.append('\x2c');
    put16(out, 0);
    put16(out, 0);
    put16(out, size.width());
    put16(out, size.height());
    out.append('\0');  // no local colour table, not interlaced
    QByteArray indices;
    indices.reserve(static_cast<qsizetype>(size.width()) * size.height());
    for (int y = 0; y < rgb.height(); ++y) {
      const auto* row = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
      for (int x = 0; x < rgb.width(); ++x)
        indices.append(static_cast<char>(indexOf(row[x] | 0xff000000u)));
    }
    out.append(static_cast<char>(minCodeSize));
    const QByteArray data = lzwEncode(indices, minCodeSize);
    for (qsizetype pos = 0; pos < data.size(); pos += 255) {
      const qsizetype n = std::min<qsizetype>(255, data.size() - pos);
      out.append(static_cast<char>(n));
      out.append(data.constData() + pos, n);
    }
    out.append('\0');
  }
  out.append('\x3b');
  return out;
}

bool GifWriter::write(const QString& path, const QVector<QImage>& frames, int delayMs,
                      QString* error, int loopCount) {
  if (frames.isEmpty()) {
    if (error) *error = QObject::tr("no frames to write");
    return false;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = file.errorString();
    return false;
  }
  file.write(encode(frames, delayMs, loopCount));
  if (!file.commit()) {
    if (error) *error = file.errorString();
    return false;
  }
  return true;
}
