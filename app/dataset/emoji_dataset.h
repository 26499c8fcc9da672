#pragma once

#include <QImage>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ddim {

/// Debian's fonts-noto-color-emoji (SIL OFL 1.1).
inline constexpr const char* kNotoColorEmojiPath =
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";

struct EmojiDatasetOptions {
  std::string fontPath = kNotoColorEmojiPath;
  std::string outDir;
  int size = 32;        // output images are size x size RGB
  int supersample = 4;  // rendered at size * supersample, then box-filtered down
  double fill = 0.9;    // the glyph's larger side covers this fraction of the image
  int testEvery = 10;   // every testEvery-th emoji (index % testEvery == testEvery - 1) is held out
  bool flags = true;    // include the flag sequences (pairs of regional indicators)
  int limit = 0;        // render only the first `limit` emoji (0: all); for tests
  void validate() const;  // throws std::invalid_argument naming the field
};

/// One emoji: its code point sequence (one code point, or two regional indicators for a flag).
struct EmojiEntry {
  std::vector<uint32_t> codepoints;
};

/// The font's emoji in a fixed order: every single code point >= U+0080 that the font maps,
/// minus the joiners, selectors, tags, skin-tone swatches and regional-indicator letters, in
/// ascending order; then (if `flags`) every regional-indicator pair that the font shapes into a
/// glyph of its own (pairs sharing the font's "unknown flag" glyph are left out), ascending. Needs
/// a QGuiApplication (see ensureGuiApplication). Throws std::runtime_error naming the file when the
/// font cannot be loaded.
[[nodiscard]] std::vector<EmojiEntry> enumerateEmoji(const std::string& fontPath, bool flags);

/// Renders one emoji onto white: RGB888 size x size, glyph centred and scaled so that its
/// larger side covers `fill` of the image. A null QImage when the glyph draws nothing.
[[nodiscard]] QImage renderEmoji(const std::string& fontPath, const EmojiEntry& emoji,
                                 const EmojiDatasetOptions& options);

/// "1f600" or "1f1e9-1f1ea".
[[nodiscard]] std::string codepointsToHex(const std::vector<uint32_t>& codepoints);

struct EmojiDatasetSummary {
  int train = 0;
  int test = 0;
  int skipped = 0;  // mapped code points whose glyph drew nothing
  std::string manifestPath;
  std::string fontRevision;
};

/// Writes outDir/train/*.png, outDir/test/*.png and outDir/manifest.tsv (index, split, file,
/// code points). Deterministic: the same font file gives byte-identical files.
/// `progress(done, total)` is called after each image.
EmojiDatasetSummary buildEmojiDataset(const EmojiDatasetOptions& options,
                                      const std::function<void(int, int)>& progress = {});

/// Creates a QGuiApplication when none exists (platform "offscreen" unless QT_QPA_PLATFORM is
/// set), for command-line use; it lives until the process ends.
void ensureGuiApplication();

}  // namespace ddim
