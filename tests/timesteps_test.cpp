#include "diffusion/timesteps.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

TEST(TimestepsTest, RejectsBadStepCounts) {
  EXPECT_THROW((void)makeTimesteps(SkipType::kUniform, 0, 1000), Error);
  EXPECT_THROW((void)makeTimesteps(SkipType::kUniform, 1001, 1000), Error);
  EXPECT_THROW((void)parseSkipType("cubic"), Error);
}

}  // namespace
}  // namespace ddim
