#include "diffusion/sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "analytic_model.h"
#include "diffusion/noise.h"
#include "errors.h"

namespace ddim {
namespace {

using testing::GaussianData;

class SamplerTest : public ::testing::Test {
 protected:
  NoiseSchedule schedule{BetaSchedule::kLinear, 1e-4, 0.02, 1000};
  GaussianData data = GaussianData::make(schedule);
  at::Tensor noise(int64_t n, uint64_t seed = 7) const {
    return seededNoise({n, 1, 2, 2}, seed, at::kCPU).to(at::kDouble);
  }
};

// DDIM with eta = 0 discretises the probability-flow ODE; with the exact predictor its samples
// approach the ODE's closed-form map as S grows.
TEST_F(SamplerTest, DeterministicSamplesConvergeToExactFlow) {
  const at::Tensor xT = noise(64);
  double previous = 1e9;
  for (int steps : {10, 100, 1000}) {
    SampleOptions o;
    o.steps = steps;
    const double aT = schedule.alphaBar(makeTimesteps(o.skip, steps, 1000).back());
    const at::Tensor x = sample(data.denoiser(), schedule, xT, o);
    const at::Tensor expected = data.flow(xT, aT, 1.0);
    const double err = (x - expected).abs().max().item<double>();
    EXPECT_LT(err, previous) << "S=" << steps;
    previous = err;
  }
  EXPECT_LT(previous, 5e-3);  // DDIM is first order: about 0.04 at S = 100, 0.004 at 1000
}

// One step by hand: from t = 999 straight to t = -1 (S = 1, trailing).
TEST_F(SamplerTest, SingleStepMatchesEquation12ByHand) {
  const at::Tensor xT = noise(3);
  SampleOptions o;
  o.steps = 1;
  o.skip = SkipType::kTrailing;
  const at::Tensor x = sample(data.denoiser(), schedule, xT, o);
  const double a = schedule.alphaBar(999);
  const at::Tensor eps = data.eps(xT, at::full({3}, 999.0));
  const at::Tensor x0 = (xT - std::sqrt(1 - a) * eps) / std::sqrt(a);  // a_prev = 1: x_prev = x0
  EXPECT_TRUE(at::allclose(x, x0, 1e-12, 1e-12));
}

// Eq. 12 with eta > 0 on a two-step sequence, noise drawn from the same seeded generator.
TEST_F(SamplerTest, StochasticStepMatchesEquation16ByHand) {
  const at::Tensor xT = noise(2);
  auto constantEps = [](const at::Tensor& x, const at::Tensor&) { return at::full_like(x, 0.25); };
  SampleOptions o;
  o.steps = 2;  // uniform: {0, 500}
  o.eta = 0.7;
  o.noiseSeed = 123;
  const at::Tensor x = sample(Denoiser{constantEps, PredictionType::kEps}, schedule, xT, o);

  auto gen = at::detail::createCPUGenerator(123);
  const at::Tensor z1 = at::randn({2, 1, 2, 2}, gen, at::kFloat).to(at::kDouble);
  const at::Tensor z2 = at::randn({2, 1, 2, 2}, gen, at::kFloat).to(at::kDouble);
  auto step = [&](const at::Tensor& xt, double a, double ap, const at::Tensor& z) {
    const double sigma = 0.7 * std::sqrt((1 - ap) / (1 - a)) * std::sqrt(1 - a / ap);
    const at::Tensor x0 = (xt - std::sqrt(1 - a) * 0.25) / std::sqrt(a);
    return std::sqrt(ap) * x0 + std::sqrt(1 - ap - sigma * sigma) * 0.25 + sigma * z;
  };
  at::Tensor ref = step(xT, schedule.alphaBar(500), schedule.alphaBar(0), z1);
  ref = step(ref, schedule.alphaBar(0), 1.0, z2);  // sigma = 0 into t = -1
  EXPECT_TRUE(at::allclose(x, ref, 1e-9, 1e-9));
}

// eta = 1 (DDPM posterior variance): the sample distribution matches the data's mean and spread.
TEST_F(SamplerTest, StochasticSamplesMatchDataDistribution) {
  const int n = 4000;
  for (SamplerKind kind : {SamplerKind::kDdim, SamplerKind::kSigmaHat}) {
    SCOPED_TRACE(kind == SamplerKind::kDdim ? "eta=1" : "sigma-hat");
    SampleOptions o;
    // sigma-hat is the paper's worst sampler at few steps (Table 1); at 1000 steps it is exact.
    o.steps = kind == SamplerKind::kDdim ? 200 : 1000;
    o.eta = 1.0;
    o.kind = kind;
    o.noiseSeed = 5;
    // sigma-hat clips x0 to [-1, 1]: its data must lie inside that range.
    const GaussianData d =
        kind == SamplerKind::kDdim ? data : GaussianData::makeInsideUnitRange(schedule);
    const at::Tensor x = sample(d.denoiser(), schedule, noise(n), o);
    const at::Tensor mean = x.mean(0), sd = x.std(0);
    EXPECT_TRUE(at::allclose(mean, d.mu, 0, 0.03)) << mean;
    EXPECT_TRUE(at::allclose(sd, d.sigma, 0.08, 0.01)) << sd;
  }
}

TEST_F(SamplerTest, VPredictionGivesTheSameSamples) {
  const at::Tensor xT = noise(8);
  SampleOptions o;
  o.steps = 20;
  GaussianData d = data;
  const Denoiser vModel{[d](const at::Tensor& x, const at::Tensor& t) { return d.v(x, t); },
                        PredictionType::kV};
  EXPECT_TRUE(at::allclose(sample(vModel, schedule, xT, o),
                           sample(data.denoiser(), schedule, xT, o), 1e-9, 1e-9));
}

TEST_F(SamplerTest, ClipKeepsPredictedX0InRange) {
  // A predictor that claims all noise is zero makes x0 = x_t / sqrt(a): far outside [-1, 1].
  auto zero = [](const at::Tensor& x, const at::Tensor&) { return at::zeros_like(x); };
  SampleOptions o;
  o.steps = 5;
  o.clipX0 = true;
  double maxX0 = 0;
  RunControl c;
  c.onStep = [&](int, int, const at::Tensor& x0) {
    maxX0 = std::max(maxX0, x0.abs().max().item<double>());
  };
  const at::Tensor x = sample(Denoiser{zero, PredictionType::kEps}, schedule, noise(4) * 3, o, c);
  EXPECT_LE(maxX0, 1.0);
  EXPECT_LE(x.abs().max().item<double>(), 1.0 + 1e-9);
  o.clipX0 = false;
  const at::Tensor y = sample(Denoiser{zero, PredictionType::kEps}, schedule, noise(4) * 3, o);
  EXPECT_GT(y.abs().max().item<double>(), 1.0);
}

TEST_F(SamplerTest, CallbackOncePerNetworkCallAndCancelStopsWithinOneCall) {
  std::atomic<int> calls{0};
  std::atomic<bool> cancel{false};
  int callbacks = 0;
  SampleOptions o;
  o.steps = 30;  // uniform gives 31 steps
  RunControl c;
  c.onStep = [&](int step, int total, const at::Tensor&) {
    EXPECT_EQ(total, 31);
    EXPECT_EQ(step, ++callbacks);
  };
  (void)sample(data.denoiser(&calls), schedule, noise(1), o, c);
  EXPECT_EQ(calls, 31);
  EXPECT_EQ(callbacks, 31);
  EXPECT_EQ(countNetworkCalls(o, 1000), 31);

  calls = 0;
  c.cancel = &cancel;
  c.onStep = [&](int step, int, const at::Tensor&) {
    if (step == 3) cancel = true;
  };
  EXPECT_THROW((void)sample(data.denoiser(&calls), schedule, noise(1), o, c), Cancelled);
  EXPECT_EQ(calls, 3);
}

TEST_F(SamplerTest, SameSeedSameResult) {
  SampleOptions o;
  o.steps = 10;
  o.eta = 0.5;
  o.noiseSeed = 42;
  const at::Tensor a = sample(data.denoiser(), schedule, noise(4, 1), o);
  const at::Tensor b = sample(data.denoiser(), schedule, noise(4, 1), o);
  EXPECT_TRUE(at::equal(a, b));
  o.noiseSeed = 43;
  EXPECT_FALSE(at::equal(a, sample(data.denoiser(), schedule, noise(4, 1), o)));
}

TEST_F(SamplerTest, RejectsBadOptions) {
  SampleOptions o;
  o.steps = 0;
  EXPECT_THROW((void)sample(data.denoiser(), schedule, noise(1), o), Error);
  o.steps = 10;
  o.eta = 1.5;
  EXPECT_THROW((void)sample(data.denoiser(), schedule, noise(1), o), Error);
}

}  // namespace
}  // namespace ddim
