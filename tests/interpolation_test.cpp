#include "diffusion/interpolation.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

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
  const double theta = std::acos((a * b).sum().item<double>() / (a.norm() * b.norm()).item<double>());
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

}  // namespace
}  // namespace ddim
