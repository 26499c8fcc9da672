#include "diffusion/timesteps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "diffusion/schedule.h"
#include "errors.h"
#include "test_paths.h"

namespace ddim {
namespace {

using Seq = std::vector<int64_t>;

// The official code's step sequences (ermongroup/ddim, runners/diffusion.py) at S = 10.
TEST(TimestepsTest, FactsTableAtTenSteps) {
  EXPECT_EQ(makeTimesteps(SkipType::kUniform, 10, 1000),
            (Seq{0, 100, 200, 300, 400, 500, 600, 700, 800, 900}));
  EXPECT_EQ(makeTimesteps(SkipType::kQuad, 10, 1000),
            (Seq{0, 9, 39, 88, 158, 246, 355, 483, 632, 800}));
  EXPECT_EQ(makeTimesteps(SkipType::kLeading, 10, 1000),
            makeTimesteps(SkipType::kUniform, 10, 1000));
  EXPECT_EQ(makeTimesteps(SkipType::kTrailing, 10, 1000),
            (Seq{99, 199, 299, 399, 499, 599, 699, 799, 899, 999}));
  EXPECT_EQ(makeTimesteps(SkipType::kLinspace, 10, 1000),
            (Seq{0, 111, 222, 333, 444, 555, 666, 777, 888, 999}));
}

TEST(TimestepsTest, OfficialQuirks) {
  EXPECT_EQ(makeTimesteps(SkipType::kUniform, 30, 1000).size(), 31u);  // range(0, 1000, 33)
  EXPECT_EQ(makeTimesteps(SkipType::kQuad, 10, 1000).back(), 800);     // sqrt(0.8 T) squared
  const Seq q = makeTimesteps(SkipType::kQuad, 100, 1000);
  EXPECT_EQ(q.size(), 100u);
  EXPECT_EQ(q[0], q[1]);  // repeated indices at many steps (identity steps)
}

// Every sequence against numpy's evaluation of the reference definitions
// (tests/data/timesteps_numpy.txt, made by scripts/make_timestep_reference.py).
TEST(TimestepsTest, MatchesNumpyReference) {
  std::ifstream in(testing::testDataDir() + "/timesteps_numpy.txt");
  ASSERT_TRUE(in) << "missing reference file";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    int steps;
    ls >> name >> steps;
    Seq expected;
    for (int64_t v; ls >> v;) expected.push_back(v);
    EXPECT_EQ(makeTimesteps(parseSkipType(name), steps, 1000), expected) << name << " S=" << steps;
    ++checked;
  }
  EXPECT_EQ(checked, 90);
}

// logsnr on the paper's linear schedule against numpy (brute-force nearest lambda over every
// timestep, alpha-bar from float64 cumprod rounded to float32, then the same spreading rule).
TEST(TimestepsTest, LogSnrMatchesNumpyReference) {
  const NoiseSchedule linear(BetaSchedule::kLinear, 1e-4, 0.02, 1000);
  EXPECT_EQ(makeTimesteps(SkipType::kLogSnr, 10, linear),
            (Seq{99, 187, 313, 449, 572, 678, 770, 853, 929, 999}));
  EXPECT_EQ(makeTimesteps(SkipType::kLogSnr, 20, linear),
            (Seq{49,  72,  103, 146, 200, 265, 336, 408, 477, 542,
                 602, 657, 709, 757, 802, 845, 886, 925, 963, 999}));
  EXPECT_EQ(makeTimesteps(SkipType::kLogSnr, 1, linear), (Seq{999}));
  // S close to T: neighbours that round together are moved apart, S entries, ending at T - 1.
  const NoiseSchedule shortLinear(BetaSchedule::kLinear, 1e-4, 0.02, 20);
  EXPECT_EQ(makeTimesteps(SkipType::kLogSnr, 19, shortLinear),
            (Seq{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19}));
  EXPECT_EQ(makeTimesteps(SkipType::kLogSnr, 20, shortLinear).size(), 20u);
}

// The steps are equal in lambda = log(alpha / sigma) up to rounding to whole timesteps (on the
// official "quad" beta schedule, whose lambda is not the linear one's), and the other types
// ignore the schedule.
TEST(TimestepsTest, LogSnrStepsAreEqualInLambdaAndOtherTypesIgnoreTheSchedule) {
  const NoiseSchedule quad(BetaSchedule::kQuad, 1e-4, 0.02, 1000);
  const auto lambda = [&](int64_t t) {
    const double a = quad.alphaBar(t);
    return 0.5 * std::log(a / (1.0 - a));
  };
  const Seq s = makeTimesteps(SkipType::kLogSnr, 10, quad);
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s.front(), 99);
  EXPECT_EQ(s.back(), 999);
  const double h = (lambda(s.front()) - lambda(s.back())) / 9.0;
  for (size_t i = 1; i < s.size(); ++i) {
    const double step = lambda(s[i - 1]) - lambda(s[i]);
    EXPECT_NEAR(step, h, 0.1 * h) << "between t = " << s[i - 1] << " and " << s[i];
  }
  EXPECT_EQ(makeTimesteps(SkipType::kTrailing, 10, quad),
            makeTimesteps(SkipType::kTrailing, 10, 1000));
  EXPECT_THROW((void)makeTimesteps(SkipType::kLogSnr, 10, 1000), Error);  // needs the schedule
  EXPECT_EQ(parseSkipType("logsnr"), SkipType::kLogSnr);
  EXPECT_EQ(toString(SkipType::kLogSnr), "logsnr");
}

TEST(TimestepsTest, RejectsBadStepCounts) {
  EXPECT_THROW((void)makeTimesteps(SkipType::kUniform, 0, 1000), Error);
  EXPECT_THROW((void)makeTimesteps(SkipType::kUniform, 1001, 1000), Error);
  EXPECT_THROW((void)parseSkipType("cubic"), Error);
}

}  // namespace
}  // namespace ddim
