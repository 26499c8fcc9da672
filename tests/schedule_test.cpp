#include "diffusion/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "errors.h"

namespace ddim {
namespace {

// Published reference values of alpha-bar for the linear schedule of Ho et al. 2020 (1e-4..0.02,
// T = 1000), to the digits given here.
TEST(ScheduleTest, LinearMatchesReferenceValues) {
  const NoiseSchedule s(BetaSchedule::kLinear, 1e-4, 0.02, 1000);
  EXPECT_NEAR(s.alphaBar(0), 0.9999, 3e-8);  // float32 spacing near 1 is 6e-8
  EXPECT_NEAR(s.alphaBar(499), 0.0786, 5e-5);
  EXPECT_NEAR(s.alphaBar(799), 1.53e-3, 5e-6);
  EXPECT_NEAR(s.alphaBar(979), 6.02e-5, 5e-8);
  EXPECT_NEAR(s.alphaBar(999), 4.04e-5, 5e-8);
  EXPECT_EQ(s.alphaBar(-1), 1.0);
}

TEST(ScheduleTest, CumulativeProductIsFloat64ThenFloat32) {
  const NoiseSchedule s(BetaSchedule::kLinear, 1e-4, 0.02, 1000);
  double prod = 1.0;
  for (int t = 0; t < 1000; ++t) {
    prod *= 1.0 - (1e-4 + t * (0.02 - 1e-4) / 999);
    ASSERT_EQ(s.alphaBar(t), static_cast<double>(static_cast<float>(prod))) << "t=" << t;
  }
}

TEST(ScheduleTest, BetaDefinitions) {
  const int T = 50;
  const double bs = 1e-4, be = 0.02;
  const auto quad = makeBetas(BetaSchedule::kQuad, bs, be, T);
  const auto cst = makeBetas(BetaSchedule::kConst, bs, be, T);
  const auto jsd = makeBetas(BetaSchedule::kJsd, bs, be, T);
  const auto sig = makeBetas(BetaSchedule::kSigmoid, bs, be, T);
  const auto lin = makeBetas(BetaSchedule::kLinear, bs, be, T);
  for (int i = 0; i < T; ++i) {
    const double r = std::sqrt(bs) + i * (std::sqrt(be) - std::sqrt(bs)) / (T - 1);
    EXPECT_NEAR(quad[i], r * r, 1e-15);
    EXPECT_EQ(cst[i], be);
    EXPECT_NEAR(jsd[i], 1.0 / (T - i * (T - 1.0) / (T - 1)), 1e-15);
    const double u = -6 + i * 12.0 / (T - 1);
    EXPECT_NEAR(sig[i], 1 / (1 + std::exp(-u)) * (be - bs) + bs, 1e-15);
    EXPECT_NEAR(lin[i], bs + i * (be - bs) / (T - 1), 1e-15);
  }
  EXPECT_EQ(lin.front(), bs);
  EXPECT_EQ(lin.back(), be);
  EXPECT_EQ(jsd.back(), 1.0);  // jsd ends at beta = 1: alpha-bar reaches 0
}

TEST(ScheduleTest, CosineIsSquaredCosCapped) {
  const int T = 1000;
  const auto b = makeBetas(BetaSchedule::kCosine, 0, 0, T);
  auto f = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
  EXPECT_NEAR(b[0], 1 - f(1.0 / T) / f(0.0), 1e-15);
  EXPECT_NEAR(b[500], 1 - f(501.0 / T) / f(500.0 / T), 1e-15);
  EXPECT_EQ(b[999], 0.999);  // capped
  const NoiseSchedule s(BetaSchedule::kCosine, 0, 0, T);
  EXPECT_NEAR(s.alphaBar(499), f(500.0 / T) / f(0), 1e-6);
}

TEST(ScheduleTest, RejectsOutOfRange) {
  const NoiseSchedule s(BetaSchedule::kLinear, 1e-4, 0.02, 10);
  EXPECT_THROW((void)s.alphaBar(10), Error);
  EXPECT_THROW((void)s.alphaBar(-2), Error);
  EXPECT_THROW((void)makeBetas(BetaSchedule::kLinear, 1e-4, 0.02, 0), Error);
}

std::string scheduleError(BetaSchedule kind, double start, double end, int T) {
  try {
    (void)NoiseSchedule(kind, start, end, T);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Schedules that once gave all-NaN samples with exit 0.
TEST(ScheduleTest, RefusesSchedulesThatBreakTheSampler) {
  // jsd ends at beta = 1/1 = 1: alpha-bar reaches 0 at the last step.
  EXPECT_NE(scheduleError(BetaSchedule::kJsd, 0, 0, 1000).find("beta 1.000000 at t = 999"),
            std::string::npos);
  // prod (1 - beta) with betas up to 0.999 falls below float32's range: the product of the last
  // 100 factors alone is below 0.9^100 ~ 2.7e-5, and of all 1000 about exp(-600).
  EXPECT_NE(scheduleError(BetaSchedule::kLinear, 1e-4, 0.999, 1000).find("underflows"),
            std::string::npos);
  // The default betas over 20000 steps: the mean beta 0.01 gives about exp(-200) < 1.2e-38.
  EXPECT_NE(scheduleError(BetaSchedule::kLinear, 1e-4, 0.02, 20000).find("underflows"),
            std::string::npos);
  EXPECT_NE(scheduleError(BetaSchedule::kLinear, 1e-4, 0.02, 1000000000).find("[1, 1000000]"),
            std::string::npos);
  EXPECT_NE(scheduleError(BetaSchedule::kLinear, 1e-4, std::nan(""), 10).find("finite"),
            std::string::npos);
  EXPECT_NE(scheduleError(BetaSchedule::kConst, 0, 1.5, 10).find("outside (0, 1]"),
            std::string::npos);
  // The official schedules stay valid: alpha-bar at T-1 for linear 1e-4..0.02, T = 1000, is
  // about 4.0e-5 (official code, float32).
  const NoiseSchedule s(BetaSchedule::kLinear, 1e-4, 0.02, 1000);
  EXPECT_NEAR(s.alphaBar(999), 4.04e-5, 0.01e-5);
  EXPECT_NO_THROW((void)NoiseSchedule(BetaSchedule::kCosine, 0, 0, 1000));
}

}  // namespace
}  // namespace ddim
