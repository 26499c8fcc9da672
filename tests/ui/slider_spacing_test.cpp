// The interpolation slider's position-to-alpha mapping (even spacing), without widgets.
#include "slider_spacing.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace {

// Five frames at alpha 0, 0.25, 0.5, 0.75, 1 whose picture changes fast at both ends and slowly
// in the middle: distances 3, 1, 1, 3 (total 8).
const std::vector<double> kAlphas = {0, 0.25, 0.5, 0.75, 1};
const std::vector<double> kDistances = {3, 1, 1, 3};

/// Distance along the path from alpha 0 to `alpha`, the path linear between the known frames.
double along(double alpha) {
  double d = 0;
  for (size_t i = 0; i + 1 < kAlphas.size(); ++i) {
    if (alpha >= kAlphas[i + 1]) {
      d += kDistances[i];
    } else if (alpha > kAlphas[i]) {
      d += kDistances[i] * (alpha - kAlphas[i]) / (kAlphas[i + 1] - kAlphas[i]);
    }
  }
  return d;
}

TEST(SliderSpacing, IdentityUntilThePathIsKnown) {
  const SliderSpacing plain;
  EXPECT_TRUE(plain.isIdentity());
  for (double u : {0.0, 0.13, 0.5, 0.99, 1.0}) {
    EXPECT_DOUBLE_EQ(plain.alphaAt(u), u);
    EXPECT_DOUBLE_EQ(plain.positionOf(u), u);
  }
  EXPECT_EQ(plain.alphaAt(-0.5), 0.0);
  EXPECT_EQ(plain.alphaAt(1.5), 1.0);
}

TEST(SliderSpacing, EqualSliderMovesCoverEqualDistances) {
  const SliderSpacing even = SliderSpacing::fromPath(kAlphas, kDistances, /*knots=*/101);
  ASSERT_FALSE(even.isIdentity());
  ASSERT_EQ(even.knots().size(), 101u);
  // At every slider position (the knots: 0.00, 0.01, ... 1.00) the distance covered is u * 8.
  for (int k = 0; k <= 100; ++k) {
    const double u = k / 100.0;
    EXPECT_NEAR(along(even.alphaAt(u)), 8 * u, 1e-9) << "u = " << u;
  }
  EXPECT_NEAR(even.alphaAt(0.25), 0.25 * 2 / 3, 1e-12);  // 2 of the first segment's 3
  EXPECT_NEAR(even.alphaAt(0.5), 0.5, 1e-12);
  EXPECT_NEAR(even.alphaAt(0.75), 0.75 + 0.25 / 3, 1e-12);
  // The slow middle (2 of the distance 8) takes a quarter of the slider, not half.
  EXPECT_NEAR(even.positionOf(0.75) - even.positionOf(0.25), 0.25, 0.01);
}

TEST(SliderSpacing, EndpointsStayExact) {
  const SliderSpacing even = SliderSpacing::fromPath(kAlphas, kDistances, /*knots=*/101);
  EXPECT_EQ(even.alphaAt(0), 0.0);
  EXPECT_EQ(even.alphaAt(1), 1.0);
  EXPECT_EQ(even.alphaAt(-1), 0.0);
  EXPECT_EQ(even.alphaAt(2), 1.0);
  EXPECT_EQ(even.positionOf(0), 0.0);
  EXPECT_EQ(even.positionOf(1), 1.0);
  EXPECT_GT(even.alphaAt(0.001), 0.0);
  EXPECT_LT(even.alphaAt(0.999), 1.0);
}

TEST(SliderSpacing, PositionOfInvertsAlphaAt) {
  const SliderSpacing even = SliderSpacing::fromPath(kAlphas, kDistances, /*knots=*/101);
  for (double u : {0.0, 0.005, 0.1, 0.333, 0.5, 0.62, 0.875, 0.999, 1.0}) {
    EXPECT_NEAR(even.positionOf(even.alphaAt(u)), u, 1e-9) << "u = " << u;
  }
  for (double a : {0.0, 0.01, 0.3, 0.5, 0.77, 1.0}) {
    EXPECT_NEAR(even.alphaAt(even.positionOf(a)), a, 1e-9) << "alpha = " << a;
  }
}

TEST(SliderSpacing, AnEvenPathKeepsTheSliderLinearAndAStillPathStaysIdentity) {
  const SliderSpacing same = SliderSpacing::fromPath(kAlphas, {2, 2, 2, 2}, /*knots=*/11);
  for (int k = 0; k <= 10; ++k) EXPECT_NEAR(same.alphaAt(k / 10.0), k / 10.0, 1e-12);
  EXPECT_TRUE(SliderSpacing::fromPath(kAlphas, {0, 0, 0, 0}, /*knots=*/11).isIdentity());
}

TEST(SliderSpacing, APauseInThePathIsSkippedAndStillInvertible) {
  // No change between 0.25 and 0.75: the slider jumps over that stretch.
  const SliderSpacing even = SliderSpacing::fromPath(kAlphas, {1, 0, 0, 1}, /*knots=*/101);
  EXPECT_NEAR(even.alphaAt(0.49), 0.25 * 0.98, 1e-12);
  EXPECT_NEAR(even.alphaAt(0.51), 0.75 + 0.25 * 0.02, 1e-12);
  EXPECT_NEAR(even.positionOf(0.5), 0.5, 0.011);
}

TEST(SliderSpacing, KnotsMustRiseFromZeroToOne) {
  EXPECT_THROW((void)SliderSpacing::fromKnots({0, 0.5}), std::invalid_argument);
  EXPECT_THROW((void)SliderSpacing::fromKnots({0, 0.7, 0.4, 1}), std::invalid_argument);
  EXPECT_THROW((void)SliderSpacing::fromKnots({1}), std::invalid_argument);
  EXPECT_NO_THROW((void)SliderSpacing::fromKnots({0, 0.2, 1}));
}

}  // namespace
