#include "emoji_dataset.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  return f.readAll();
}

class EmojiDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ddim::ensureGuiApplication();
    if (!QFile::exists(ddim::kNotoColorEmojiPath)) GTEST_SKIP() << "fonts-noto-color-emoji missing";
  }
};

TEST_F(EmojiDatasetTest, EnumeratesTheFontsEmojiInAFixedOrder) {
  const auto a = ddim::enumerateEmoji(ddim::kNotoColorEmojiPath, /*flags=*/true);
  const auto b = ddim::enumerateEmoji(ddim::kNotoColorEmojiPath, /*flags=*/true);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GT(a.size(), 1200u);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].codepoints, b[i].codepoints) << i;
  bool hasGrinning = false, hasFlag = false;
  for (const auto& e : a) {
    hasGrinning |= e.codepoints == std::vector<uint32_t>{0x1F600};
    hasFlag |= e.codepoints == std::vector<uint32_t>{0x1F1E9, 0x1F1EA};  // DE
    EXPECT_NE(e.codepoints[0], 0x200Du);
  }
  EXPECT_TRUE(hasGrinning);
  EXPECT_TRUE(hasFlag);
}

TEST_F(EmojiDatasetTest, RendersAColourGlyphCentredOnWhite) {
  ddim::EmojiDatasetOptions o;
  o.outDir = "unused";
  const QImage img =
      ddim::renderEmoji(o.fontPath, ddim::EmojiEntry{{0x1F600}}, o);  // grinning face
  ASSERT_FALSE(img.isNull());
  EXPECT_EQ(img.width(), 32);
  EXPECT_EQ(img.height(), 32);
  EXPECT_EQ(img.pixel(0, 0), qRgb(255, 255, 255));
  EXPECT_EQ(img.pixel(31, 31), qRgb(255, 255, 255));
  const QRgb centre = img.pixel(16, 8);  // upper face: yellow, not grey
  EXPECT_GT(qRed(centre), 150);
  EXPECT_GT(qGreen(centre), 100);
  EXPECT_LT(qBlue(centre), 120);
}

TEST_F(EmojiDatasetTest, BuildIsByteIdenticalAndHoldsOutEveryTenth) {
  QTemporaryDir d1, d2;
  ddim::EmojiDatasetOptions o;
  o.limit = 30;
  o.outDir = d1.path().toStdString();
  const auto s1 = ddim::buildEmojiDataset(o);
  o.outDir = d2.path().toStdString();
  const auto s2 = ddim::buildEmojiDataset(o);
  EXPECT_EQ(s1.train + s1.test, 30 - s1.skipped);
  EXPECT_EQ(s1.test, (s1.train + s1.test) / 10);
  EXPECT_EQ(s1.train, s2.train);
  for (const char* sub : {"train", "test"}) {
    const QStringList files = QDir(d1.filePath(sub)).entryList(QDir::Files, QDir::Name);
    EXPECT_EQ(files, QDir(d2.filePath(sub)).entryList(QDir::Files, QDir::Name));
    EXPECT_EQ(files.size(), std::string(sub) == "train" ? s1.train : s1.test);
    for (const QString& f : files) {
      const QString rel = QString(sub) + "/" + f;
      EXPECT_EQ(readAll(d1.filePath(rel)), readAll(d2.filePath(rel))) << rel.toStdString();
    }
  }
  EXPECT_EQ(readAll(d1.filePath("manifest.tsv")), readAll(d2.filePath("manifest.tsv")));
  EXPECT_TRUE(readAll(d1.filePath("manifest.tsv")).contains("\ttest\ttest/0009_"));
}

}  // namespace
