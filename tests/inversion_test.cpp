#include "inversion.h"

#include <gtest/gtest.h>

#include <atomic>

#include "analytic_model.h"
#include "errors.h"
#include "noise.h"
#include "sampler.h"

namespace ddim {
namespace {

using testing::GaussianData;

class InversionTest : public ::testing::Test {
 protected:
  NoiseSchedule schedule{BetaSchedule::kLinear, 1e-4, 0.02, 1000};
  GaussianData data = GaussianData::make(schedule);
  // Images drawn from the data distribution itself.
  at::Tensor images(int64_t n) const {
    return data.mu + data.sigma * seededNoise({n, 1, 2, 2}, 3, at::kCPU).to(at::kDouble);
  }
};

// The encoder is the same ODE run forwards: it approaches the closed-form map as S grows.
TEST_F(InversionTest, LatentConvergesToExactFlow) {
  const at::Tensor x0 = images(32);
  for (InversionForm form : {InversionForm::kEuler, InversionForm::kDestination}) {
    double previous = 1e9;
    for (int steps : {10, 100, 1000}) {
      InvertOptions o;
      o.steps = steps;
      o.form = form;
      const at::Tensor z = invert(data.denoiser(), schedule, x0, o);
      const int64_t tMax = makeTimesteps(SkipType::kUniform, steps, 1000).back();
      const double err =
          (z - data.flow(x0, 1.0, schedule.alphaBar(tMax))).abs().max().item<double>();
      EXPECT_LT(err, previous) << "S=" << steps;
      previous = err;
    }
    // Max over 32 latents; the sigma = 0.05 dimension amplifies image-space error 20x.
    EXPECT_LT(previous, 0.03);
  }
}

// Paper Table 2's experiment on the analytic model: encode then decode with S steps each way.
TEST_F(InversionTest, ReconstructionErrorFallsWithSteps) {
  const at::Tensor x0 = images(32);
  double previous = 1e9;
  for (int steps : {10, 20, 50, 100, 200}) {
    for (SkipType skip : {SkipType::kUniform, SkipType::kTrailing}) {
      InvertOptions io;
      io.steps = steps;
      io.skip = skip;
      SampleOptions so;
      so.steps = steps;
      so.skip = skip;
      const at::Tensor recon =
          sample(data.denoiser(), schedule, invert(data.denoiser(), schedule, x0, io), so);
      const double mse = (recon - x0).pow(2).mean().item<double>();
      if (skip == SkipType::kUniform) {
        EXPECT_LT(mse, previous) << "S=" << steps;
        previous = mse;
      }
    }
  }
  EXPECT_LT(previous, 5e-4);  // paper Table 2 at S = 200 on CIFAR-10: 0.0004
}

TEST_F(InversionTest, SameCallsAsSamplingAndNeverAtMinusOne) {
  std::atomic<int> calls{0};
  InvertOptions o;
  o.steps = 30;
  std::vector<double> seen;
  GaussianData d = data;
  Denoiser recording{[&](const at::Tensor& x, const at::Tensor& t) {
                       ++calls;
                       seen.push_back(t[0].item<double>());
                       return d.eps(x, t);
                     },
                     PredictionType::kEps};
  (void)invert(recording, schedule, images(1), o);
  EXPECT_EQ(calls, 31);
  EXPECT_EQ(seen.front(), 0.0);  // Euler: first step uses the sequence's first t, not -1
  EXPECT_EQ(seen.back(), 957.0);  // Euler: last step evaluated at the current (second largest) t
  seen.clear();
  o.form = InversionForm::kDestination;
  (void)invert(recording, schedule, images(1), o);
  EXPECT_EQ(seen.front(), 0.0);
  EXPECT_EQ(seen.back(), 990.0);
}

TEST_F(InversionTest, CancelStopsBeforeTheNextCall) {
  std::atomic<int> calls{0};
  std::atomic<bool> cancel{false};
  RunControl c;
  c.cancel = &cancel;
  c.onStep = [&](int step, int, const at::Tensor&) {
    if (step == 2) cancel = true;
  };
  InvertOptions o;
  o.steps = 10;
  EXPECT_THROW((void)invert(data.denoiser(&calls), schedule, images(1), o, c), Cancelled);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace ddim
