#include "emoji_dataset.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFontDatabase>
#include <QGlyphRun>
#include <QGuiApplication>
#include <QImageWriter>
#include <QPainter>
#include <QRawFont>
#include <QTextLayout>
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>

namespace ddim {
namespace {

constexpr uint32_t kRegionalA = 0x1F1E6;
constexpr uint32_t kRegionalZ = 0x1F1FF;

// Code points the font maps that are not pictures on their own: joiners, variation selectors,
// the keycap combiner, tag characters, skin-tone swatches and the bare regional-indicator letters.
bool isComponent(uint32_t c) {
  return c == 0x200D || c == 0x20E3 || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0xE0000 && c <= 0xE007F) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
         (c >= kRegionalA && c <= kRegionalZ);
}

QString toQString(const std::vector<uint32_t>& codepoints) {
  std::u32string s(codepoints.begin(), codepoints.end());
  return QString::fromUcs4(s.data(), static_cast<qsizetype>(s.size()));
}

QRawFont loadRawFont(const std::string& fontPath, double pixelSize) {
  QRawFont raw(QString::fromStdString(fontPath), pixelSize, QFont::PreferNoHinting);
  if (!raw.isValid()) throw std::runtime_error(fontPath + ": cannot load the font");
  return raw;
}

// The one glyph the font shapes `text` into (its own glyphs only, no fallback), or 0.
uint32_t shapedSingleGlyph(const QString& family, const QString& text) {
  QFont font(family);
  font.setPixelSize(64);
  font.setStyleStrategy(QFont::NoFontMerging);
  QTextLayout layout(text, font);
  layout.beginLayout();
  layout.createLine();
  layout.endLayout();
  const QList<QGlyphRun> runs = layout.glyphRuns();
  if (runs.size() != 1 || runs[0].glyphIndexes().size() != 1) return 0;
  if (runs[0].rawFont().familyName() != family) return 0;
  return runs[0].glyphIndexes()[0];
}

std::string fontRevision(const QRawFont& raw) {
  const QByteArray head = raw.fontTable("head");
  if (head.size() < 8) return "unknown";
  const auto* b = reinterpret_cast<const unsigned char*>(head.constData());
  const uint32_t fixed =
      (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) | (uint32_t{b[6]} << 8) | b[7];
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", fixed / 65536.0);
  return buf;
}

// Bounding box of the pixels with non-zero alpha; empty when none.
QRect alphaBounds(const QImage& argb) {
  int x0 = argb.width(), y0 = argb.height(), x1 = -1, y1 = -1;
  for (int y = 0; y < argb.height(); ++y) {
    const auto* row = reinterpret_cast<const QRgb*>(argb.constScanLine(y));
    for (int x = 0; x < argb.width(); ++x) {
      if (qAlpha(row[x]) == 0) continue;
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  return x1 < 0 ? QRect() : QRect(QPoint(x0, y0), QPoint(x1, y1));
}

// Averages factor x factor blocks of an RGB32 image into RGB888, with integer rounding.
QImage boxDownscale(const QImage& rgb32, int factor) {
  const int w = rgb32.width() / factor, h = rgb32.height() / factor;
  const int n = factor * factor;
  QImage out(w, h, QImage::Format_RGB888);
  for (int y = 0; y < h; ++y) {
    uchar* dst = out.scanLine(y);
    for (int x = 0; x < w; ++x) {
      int sum[3] = {0, 0, 0};
      for (int dy = 0; dy < factor; ++dy) {
        const auto* row = reinterpret_cast<const QRgb*>(rgb32.constScanLine(y * factor + dy));
        for (int dx = 0; dx < factor; ++dx) {
          const QRgb p = row[x * factor + dx];
          sum[0] += qRed(p);
          sum[1] += qGreen(p);
          sum[2] += qBlue(p);
        }
      }
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = static_cast<uchar>((sum[c] + n / 2) / n);
    }
  }
  return out;
}

struct GlyphRef {
  EmojiEntry entry;
  uint32_t glyph = 0;
};

std::vector<GlyphRef> enumerateGlyphs(const std::string& fontPath, bool flags) {
  const QRawFont raw = loadRawFont(fontPath, 64);
  std::vector<GlyphRef> out;
  for (uint32_t c = 0x80; c <= 0x10FFFF; ++c) {
    if ((c >= 0xD800 && c <= 0xDFFF) || isComponent(c) || !raw.supportsCharacter(c)) continue;
    const QList<quint32> glyphs = raw.glyphIndexesForString(toQString({c}));
    if (glyphs.size() != 1 || glyphs[0] == 0) continue;
    out.push_back({EmojiEntry{{c}}, glyphs[0]});
  }
  if (!flags) return out;
  const int id = QFontDatabase::addApplicationFont(QString::fromStdString(fontPath));
  const QStringList families = QFontDatabase::applicationFontFamilies(id);
  if (id < 0 || families.isEmpty())
    throw std::runtime_error(fontPath + ": cannot register the font");
  // Pairs that are no country all shape into one shared "unknown flag" glyph: keep only glyphs
  // that exactly one pair produces.
  std::vector<GlyphRef> pairs;
  std::map<uint32_t, int> uses;
  for (uint32_t a = kRegionalA; a <= kRegionalZ; ++a) {
    for (uint32_t b = kRegionalA; b <= kRegionalZ; ++b) {
      const uint32_t glyph = shapedSingleGlyph(families[0], toQString({a, b}));
      if (glyph == 0) continue;
      pairs.push_back({EmojiEntry{{a, b}}, glyph});
      ++uses[glyph];
    }
  }
  for (auto& p : pairs) {
    if (uses[p.glyph] == 1) out.push_back(std::move(p));
  }
  return out;
}

// Qt 6.4 crashes drawing colour glyphs through QRawFont/QGlyphRun (QFontEngineFT::
// alphaMapBoundingBox), so glyphs are drawn as text in a QFont that is this font alone.
QFont emojiFont(const std::string& fontPath, int pixelSize) {
  const int id = QFontDatabase::addApplicationFont(QString::fromStdString(fontPath));
  const QStringList families = QFontDatabase::applicationFontFamilies(id);
  if (id < 0 || families.isEmpty())
    throw std::runtime_error(fontPath + ": cannot register the font");
  QFont font(families[0]);
  font.setPixelSize(pixelSize);
  font.setStyleStrategy(QFont::NoFontMerging);
  return font;
}

QImage renderText(const QFont& font, const QString& text, const EmojiDatasetOptions& o) {
  const int big = o.size * o.supersample;
  // Draw at the supersampled size on a transparent canvas with room around the glyph.
  QImage canvas(4 * big, 4 * big, QImage::Format_ARGB32_Premultiplied);
  canvas.fill(Qt::transparent);
  {
    QPainter p(&canvas);
    p.setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    p.setFont(font);
    p.drawText(QPointF(big, 2 * big), text);
  }
  const QRect box = alphaBounds(canvas);
  if (box.isEmpty()) return {};
  // Scale the glyph's box so that its larger side covers `fill` of the image, centred.
  const double side = std::max(box.width(), box.height());
  const double scale = o.fill * big / side;
  const QSizeF target(box.width() * scale, box.height() * scale);
  const QRectF dst(QPointF((big - target.width()) / 2, (big - target.height()) / 2), target);
  QImage white(big, big, QImage::Format_RGB32);
  white.fill(Qt::white);
  {
    QPainter p(&white);
    p.setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    p.drawImage(dst, canvas, QRectF(box));
  }
  return boxDownscale(white, o.supersample);
}

void writePng(const QImage& image, const QString& path) {
  QImageWriter writer(path, "png");
  writer.setCompression(9);
  if (!writer.write(image)) {
    throw std::runtime_error(path.toStdString() +
                             ": cannot write PNG: " + writer.errorString().toStdString());
  }
}

}  // namespace

void EmojiDatasetOptions::validate() const {
  if (size < 8) throw std::invalid_argument("--size must be >= 8, got " + std::to_string(size));
  if (supersample < 1 || supersample > 8)
    throw std::invalid_argument("supersample must be in 1..8, got " + std::to_string(supersample));
  if (!(fill > 0.1 && fill <= 1.0))
    throw std::invalid_argument("fill must be in (0.1, 1], got " + std::to_string(fill));
  if (testEvery < 2)
    throw std::invalid_argument("test split: every N-th with N >= 2, got " +
                                std::to_string(testEvery));
  if (outDir.empty()) throw std::invalid_argument("missing output folder");
  if (limit < 0) throw std::invalid_argument("limit must be >= 0, got " + std::to_string(limit));
}

std::vector<EmojiEntry> enumerateEmoji(const std::string& fontPath, bool flags) {
  std::vector<EmojiEntry> out;
  for (auto& g : enumerateGlyphs(fontPath, flags)) out.push_back(std::move(g.entry));
  return out;
}

QImage renderEmoji(const std::string& fontPath, const EmojiEntry& emoji,
                   const EmojiDatasetOptions& options) {
  const QFont font = emojiFont(fontPath, options.size * options.supersample);
  return renderText(font, toQString(emoji.codepoints), options);
}

std::string codepointsToHex(const std::vector<uint32_t>& codepoints) {
  std::string s;
  for (uint32_t c : codepoints) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%x", s.empty() ? "" : "-", c);
    s += buf;
  }
  return s;
}

EmojiDatasetSummary buildEmojiDataset(const EmojiDatasetOptions& options,
                                      const std::function<void(int, int)>& progress) {
  options.validate();
  std::vector<GlyphRef> glyphs = enumerateGlyphs(options.fontPath, options.flags);
  if (options.limit > 0 && glyphs.size() > static_cast<size_t>(options.limit))
    glyphs.resize(options.limit);
  const QRawFont raw = loadRawFont(options.fontPath, 64);
  const QFont font = emojiFont(options.fontPath, options.size * options.supersample);
  const QDir root(QString::fromStdString(options.outDir));
  for (const char* sub : {"train", "test"}) {
    if (!root.mkpath(sub))
      throw std::runtime_error(options.outDir + "/" + sub + ": cannot create the folder");
  }
  EmojiDatasetSummary summary;
  summary.fontRevision = fontRevision(raw);
  std::string manifest = "# Noto Color Emoji (SIL OFL 1.1), " + options.fontPath + ", revision " +
                         summary.fontRevision + "; " + std::to_string(options.size) + "x" +
                         std::to_string(options.size) + " RGB on white, every " +
                         std::to_string(options.testEvery) + "th emoji held out as test\n" +
                         "index\tsplit\tfile\tcodepoints\n";
  int index = 0;
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const QImage image = renderText(font, toQString(glyphs[i].entry.codepoints), options);
    if (image.isNull()) {
      ++summary.skipped;
    } else {
      const bool test = index % options.testEvery == options.testEvery - 1;
      const std::string hex = codepointsToHex(glyphs[i].entry.codepoints);
      char name[64];
      std::snprintf(name, sizeof name, "%04d_%s.png", index, hex.c_str());
      const std::string rel = std::string(test ? "test/" : "train/") + name;
      writePng(image, root.filePath(QString::fromStdString(rel)));
      manifest +=
          std::to_string(index) + "\t" + (test ? "test" : "train") + "\t" + rel + "\t" + hex + "\n";
      ++(test ? summary.test : summary.train);
      ++index;
    }
    if (progress) progress(static_cast<int>(i + 1), static_cast<int>(glyphs.size()));
  }
  summary.manifestPath = root.filePath("manifest.tsv").toStdString();
  QFile file(QString::fromStdString(summary.manifestPath));
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
      file.write(manifest.data(), static_cast<qint64>(manifest.size())) !=
          static_cast<qint64>(manifest.size())) {
    throw std::runtime_error(summary.manifestPath + ": cannot write the manifest");
  }
  return summary;
}

void ensureGuiApplication() {
  if (QCoreApplication::instance()) return;
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static int argc = 1;
  static char arg0[] = "ddim";
  static char* argv[] = {arg0, nullptr};
  static auto* app = new QGuiApplication(argc, argv);
  (void)app;
}

}  // namespace ddim
