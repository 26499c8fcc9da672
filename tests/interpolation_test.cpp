#include "diffusion/interpolation.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "errors.h"

namespace ddim {
namespace {

TEST(InterpolationTest, SlerpOfOrthogonalVectorsClosedForm) {
  const at::Tensor a = at::tensor({3.0, 0.0, 0.0, 0.0}, at::kDouble).reshape({1, 1, 2, 2});
  const at::Tensor b = at::tensor({0.0, 3.0, 0.0, 0.0}, at::kDouble).reshape({1, 1, 2, 2});
  // theta = pi/2: slerp(t) = cos(t pi/2) a + sin(t pi/2) b
  for (double t : {0.0, 0.25, 0.5, 0.9, 1.0}) {
    const at::Tensor expected = std::cos(t * M_PI / 2) * a + std::sin(t * M_PI / 2) * b;
    EXPECT_TRUE(at::allclose(slerp(a, b, t), expected, 1e-12, 1e-12)) << t;
  }
  EXPECT_NEAR(slerp(a, b, 0.5).norm().item<double>(), 3.0, 1e-12);  // stays on the sphere
  EXPECT_NEAR(lerp(a, b, 0.5).norm().item<double>(), 3.0 / std::sqrt(2.0), 1e-12);
}

TEST(InterpolationTest, GeneralAngleMatchesEquation67) {
  at::manual_seed(0);
  const at::Tensor a = at::randn({3, 4, 4}, at::kDouble), b = at::randn({3, 4, 4}, at::kDouble);
  const double theta =
      std::acos((a * b).sum().item<double>() / (a.norm() * b.norm()).item<double>());
  const double t = 0.3;
  const at::Tensor expected =
      std::sin((1 - t) * theta) / std::sin(theta) * a + std::sin(t * theta) / std::sin(theta) * b;
  EXPECT_TRUE(at::allclose(slerp(a, b, t), expected, 1e-12, 1e-12));
}

TEST(InterpolationTest, NearlyParallelFallsBackToLerp) {
  const at::Tensor a = at::tensor({1.0, 0.0}, at::kDouble);
  const at::Tensor b = at::tensor({2.0, 0.01}, at::kDouble);  // cos ~ 0.99999
  EXPECT_TRUE(at::allclose(slerp(a, b, 0.5), lerp(a, b, 0.5), 0, 1e-15));
  EXPECT_TRUE(at::isfinite(slerp(a, a, 0.5)).all().item<bool>());
}

TEST(InterpolationTest, FramesIncludeEndpoints) {
  at::manual_seed(1);
  const at::Tensor a = at::randn({1, 3, 8, 8}), b = at::randn({1, 3, 8, 8});
  const at::Tensor f = interpolateFrames(a, b, 5, InterpMode::kSlerp);
  ASSERT_EQ(f.sizes(), (std::vector<int64_t>{5, 3, 8, 8}));
  EXPECT_TRUE(at::allclose(f[0], a[0], 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(f[4], b[0], 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(f[2], slerp(a[0], b[0], 0.5), 1e-6, 1e-6));
  EXPECT_TRUE(at::allclose(interpolateFrames(a, b, 3, InterpMode::kLerp)[1], (a[0] + b[0]) / 2));
  EXPECT_THROW((void)interpolateFrames(a, b, 1, InterpMode::kSlerp), Error);
  EXPECT_THROW((void)slerp(a, at::randn({1, 3, 4, 4}), 0.5), Error);
}

// Matched slerp: the ends are the latents themselves, and in between every channel has the
// endpoints' mean and standard deviation interpolated linearly.
TEST(InterpolationTest, MatchedSlerpKeepsEndsAndInterpolatesChannelStatistics) {
  at::manual_seed(4);
  const at::Tensor a = at::randn({1, 3, 8, 8}) * 0.7 + 0.2;
  const at::Tensor b = at::randn({1, 3, 8, 8}) * 1.3 - 0.1;
  EXPECT_TRUE(at::allclose(interpolate(a, b, 0.0, InterpMode::kSlerpMatched), a, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(interpolate(a, b, 1.0, InterpMode::kSlerpMatched), b, 1e-5, 1e-5));
  const at::Tensor z = interpolate(a, b, 0.3, InterpMode::kSlerpMatched);
  for (int c = 0; c < 3; ++c) {
    const double meanA = a[0][c].mean().item<double>(), meanB = b[0][c].mean().item<double>();
    const double stdA = a[0][c].std(false).item<double>(), stdB = b[0][c].std(false).item<double>();
    EXPECT_NEAR(z[0][c].mean().item<double>(), 0.7 * meanA + 0.3 * meanB, 1e-5);
    EXPECT_NEAR(z[0][c].std(false).item<double>(), 0.7 * stdA + 0.3 * stdB, 1e-5);
  }
  // Its direction is slerp's: matching only shifts and scales each channel.
  const at::Tensor s = slerp(a, b, 0.3);
  for (int c = 0; c < 3; ++c) {
    const at::Tensor x = z[0][c].flatten(), y = s[0][c].flatten();
    const double corr = ((x - x.mean()) * (y - y.mean())).sum().item<double>() /
                        ((x - x.mean()).norm() * (y - y.mean()).norm()).item<double>();
    EXPECT_NEAR(corr, 1.0, 1e-6);
  }
}

TEST(InterpolationTest, FrameDistancesAndEvennessByHand) {
  // Three 1x1x2 frames in model space: [0,0] -> [1,1] -> [1,-1]; in [0,1] pixels 0.5s, 1s, ...
  const at::Tensor frames =
      at::tensor({-1.0, -1.0, 1.0, 1.0, 1.0, -1.0}, at::kDouble).reshape({3, 1, 1, 2});
  const std::vector<double> d = frameDistances(frames);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[0], 1.0, 1e-12);             // both pixels move 0 -> 1
  EXPECT_NEAR(d[1], std::sqrt(0.5), 1e-12);  // one pixel moves 1 -> 0
  const PathEvenness e = pathEvenness({1.0, 3.0, 2.0});
  EXPECT_NEAR(e.mean, 2.0, 1e-12);
  EXPECT_NEAR(e.variance, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(e.largestJump, 3.0);
}

// A path whose known frames are 3, 1, 1 and 3 apart (total 8): five even frames sit at path
// lengths 0, 2, 4, 6, 8, i.e. 2/3 into the first segment, at the end of the second, a third into
// the last.
TEST(InterpolationTest, EvenlySpacedAlphasFollowTheDistanceProfile) {
  const std::vector<double> alphas = {0, 0.25, 0.5, 0.75, 1};
  const std::vector<double> even = evenlySpacedAlphas(alphas, {3, 1, 1, 3}, 5);
  ASSERT_EQ(even.size(), 5u);
  EXPECT_EQ(even.front(), 0.0);
  EXPECT_EQ(even.back(), 1.0);
  EXPECT_NEAR(even[1], 0.25 * 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(even[2], 0.5, 1e-12);
  EXPECT_NEAR(even[3], 0.75 + 0.25 / 3.0, 1e-12);
  // Equal distances keep the spacing; a path that does not move keeps it too.
  const std::vector<double> same = evenlySpacedAlphas(alphas, {1, 1, 1, 1}, 3);
  EXPECT_NEAR(same[1], 0.5, 1e-12);
  EXPECT_NEAR(evenlySpacedAlphas(alphas, {0, 0, 0, 0}, 3)[1], 0.5, 1e-12);
  EXPECT_THROW((void)evenlySpacedAlphas({0, 0.5}, {1}, 3), Error);
  EXPECT_THROW((void)evenlySpacedAlphas(alphas, {1, 1, 1}, 3), Error);
  EXPECT_THROW((void)evenlySpacedAlphas(alphas, {1, 1, 1, 1}, 1), Error);
}

}  // namespace
}  // namespace ddim
