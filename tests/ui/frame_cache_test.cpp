#include "frame_cache.h"

#include <gtest/gtest.h>

#include "compare_panel.h"

namespace {

QImage tagged(int tag) {
  QImage image(1, 1, QImage::Format_RGB32);
  image.fill(qRgb(tag, 0, 0));
  return image;
}

TEST(FrameCache, ReturnsTheNearestFrame) {
  FrameCache cache;
  EXPECT_FALSE(cache.nearest(0.5).has_value());
  cache.insert(0.0, tagged(0));
  cache.insert(0.5, tagged(5));
  cache.insert(1.0, tagged(10));
  EXPECT_EQ(cache.nearest(0.2)->alpha, 0.0);
  EXPECT_EQ(cache.nearest(0.3)->alpha, 0.5);
  EXPECT_EQ(cache.nearest(0.74)->alpha, 0.5);
  EXPECT_EQ(cache.nearest(0.9)->alpha, 1.0);
  EXPECT_EQ(cache.nearest(2.0)->alpha, 1.0);
  EXPECT_EQ(qRed(cache.nearest(0.6)->image.pixel(0, 0)), 5);
  EXPECT_TRUE(cache.contains(0.5));
  EXPECT_FALSE(cache.contains(0.25));
  cache.clear();
  EXPECT_EQ(cache.size(), 0);
}

TEST(ComparePanel, ParsesStepCounts) {
  QString error;
  EXPECT_EQ(ComparePanel::parseStepCounts(QStringLiteral("100, 5;10 5 1000"), &error),
            (QVector<int>{5, 10, 100, 1000}));
  EXPECT_TRUE(ComparePanel::parseStepCounts(QStringLiteral("5, 0"), &error).isEmpty());
  EXPECT_TRUE(error.contains(QStringLiteral("\"0\"")));
  EXPECT_TRUE(ComparePanel::parseStepCounts(QStringLiteral("5, ten"), &error).isEmpty());
  EXPECT_TRUE(ComparePanel::parseStepCounts(QStringLiteral("1001"), &error).isEmpty());
  EXPECT_TRUE(ComparePanel::parseStepCounts(QStringLiteral(" "), &error).isEmpty());
}

}  // namespace
