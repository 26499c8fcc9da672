#include "diffusion/inversion.h"

#include <gtest/gtest.h>

#include <atomic>

#include "analytic_model.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"

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
  EXPECT_EQ(seen.front(), 0.0);   // Euler: first step uses the sequence's first t, not -1
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

// Exact inversion: sampling the latent with plain DDIM over the same sequence returns the image,
// far below the plain inversion's error, for eps and v models, and the report tells how.
TEST_F(InversionTest, ExactInversionRoundTripsThroughTheSampler) {
  const at::Tensor x0 = images(16).to(at::kFloat);
  for (PredictionType prediction : {PredictionType::kEps, PredictionType::kV}) {
    std::atomic<int> calls{0};
    Denoiser d = data.denoiser(&calls);
    if (prediction == PredictionType::kV) {
      const GaussianData g = data;
      d = Denoiser{[g, &calls](const at::Tensor& x, const at::Tensor& t) {
                     ++calls;
                     return g.v(x, t);
                   },
                   PredictionType::kV};
    }
    SampleOptions back;
    back.steps = 10;
    InvertOptions plain;
    plain.steps = 10;
    const double plainError =
        (sample(d, schedule, invert(d, schedule, x0, plain), back) - x0).abs().max().item<double>();
    InvertOptions exact = plain;
    exact.method = InversionMethod::kExact;
    exact.tolerance = 1e-5;
    exact.maxIterations = 8;
    InversionReport report;
    calls = 0;
    const at::Tensor z = invert(d, schedule, x0, exact, {}, &report);
    EXPECT_EQ(report.networkCalls, calls.load());
    EXPECT_EQ(report.steps, 10);
    ASSERT_EQ(report.residuals.size(), 10u);
    EXPECT_TRUE(report.converged())
        << report.worstResidual << " residuals " << c10::str(report.residuals) << " calls "
        << report.networkCalls;
    EXPECT_LE(report.worstResidual, 1e-5);
    EXPECT_LE(report.callsPerStep(), 8.0);
    const double exactError = (sample(d, schedule, z, back) - x0).abs().max().item<double>();
    EXPECT_GT(plainError, 1e-2) << "the plain inversion should be visibly off at 10 steps";
    EXPECT_LT(exactError, 1e-3) << "prediction " << static_cast<int>(prediction);
    EXPECT_LT(exactError, plainError / 50);
  }
}

// Each exact step's residual is what sampling that step back would miss: recomputed here by hand
// for the first step (the clean image to t_1).
TEST_F(InversionTest, ExactInversionResidualIsTheSamplingStepsMiss) {
  const at::Tensor x0 = images(4).to(at::kFloat);
  InvertOptions o;
  o.steps = 1;
  o.method = InversionMethod::kExact;
  o.maxIterations = 3;
  o.tolerance = 1e-12;  // unreachable: runs every iteration
  InversionReport report;
  const at::Tensor z = invert(data.denoiser(), schedule, x0, o, {}, &report);
  const int64_t t = makeTimesteps(SkipType::kUniform, 1, 1000).back();
  const double a = schedule.alphaBar(t);
  const at::Tensor eps = data.eps(z, at::full({4}, static_cast<double>(t)));
  const at::Tensor back = (z - std::sqrt(1 - a) * eps) / std::sqrt(a);  // DDIM step to t = -1
  const double rms =
      (x0 - back).to(at::kDouble).reshape({4, -1}).pow(2).mean(1).sqrt().max().item<double>();
  ASSERT_EQ(report.residuals.size(), 1u);
  EXPECT_NEAR(report.residuals[0], rms, 1e-6 + 1e-3 * rms);
}

TEST_F(InversionTest, ExactInversionSaysWhenItDoesNotConverge) {
  InvertOptions o;
  o.steps = 5;
  o.method = InversionMethod::kExact;
  o.maxIterations = 1;
  o.tolerance = 1e-9;
  InversionReport report;
  (void)invert(data.denoiser(), schedule, images(2).to(at::kFloat), o, {}, &report);
  EXPECT_FALSE(report.converged());
  EXPECT_EQ(report.stepsNotConverged, 5);
  EXPECT_GT(report.worstResidual, 1e-9);
  EXPECT_EQ(report.networkCalls, 1 + 5);  // the first guess, then one iteration a step
  o.maxIterations = 0;
  EXPECT_THROW((void)invert(data.denoiser(), schedule, images(1), o), Error);
}

}  // namespace
}  // namespace ddim
