#include "diffusion/edit.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "analytic_model.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"
#include "io/image_io.h"
#include "io/mask.h"

namespace ddim {
namespace {

using testing::GaussianData;

/// Largest absolute difference in [0, 1] pixels between two model-space tensors.
double maxPixelDiff(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).abs() / 2).max().item<double>();
}

class EditTest : public ::testing::Test {
 protected:
  NoiseSchedule schedule{BetaSchedule::kLinear, 1e-4, 0.02, 1000};
  GaussianData data = GaussianData::make(schedule);

  // Images drawn from the data distribution, float32 as the engine runs.
  at::Tensor images(int64_t n, uint64_t seed = 3) const {
    return (data.mu + data.sigma * seededNoise({n, 1, 2, 2}, seed, at::kCPU).to(at::kDouble))
        .to(at::kFloat);
  }

  // A denoiser that counts its calls and records every t and x it is given.
  struct Recorder {
    std::vector<double> ts;
    std::vector<at::Tensor> xs;
  };
  Denoiser recording(Recorder& r) const {
    const GaussianData g = data;
    return Denoiser{[g, &r](const at::Tensor& x, const at::Tensor& t) {
                      r.ts.push_back(t[0].item<double>());
                      r.xs.push_back(x.clone());
                      return g.eps(x, t);
                    },
                    PredictionType::kEps};
  }

  // Pixels (0, 0) and (1, 1) regenerated, the other two kept.
  static at::Tensor diagonalMask() {
    return at::tensor({1.0f, 0.0f, 0.0f, 1.0f}).reshape({1, 1, 2, 2});
  }
};

TEST_F(EditTest, StartTimestepIsTheLargestStepAtOrBelowStrengthTimesT) {
  EditOptions o;  // 20 uniform steps over 1000: 0, 50, ..., 950
  const std::vector<std::pair<double, int64_t>> cases = {
      {0.5, 500}, {0.29, 250}, {0.3, 300}, {0.04, 0}, {0.95, 950}, {1.0, 950}, {0.0, -1}};
  for (const auto& [strength, t0] : cases) {
    o.strength = strength;
    EXPECT_EQ(editStartTimestep(o, 1000), t0) << "strength " << strength;
  }
  o.strength = 0.5;
  EXPECT_EQ(editTimesteps(o, 1000).size(), 11u);
  EXPECT_EQ(countEditCalls(o, 1000), 11);
  o.skip = SkipType::kTrailing;  // 49, 99, ..., 999
  o.strength = 0.04;
  EXPECT_EQ(editStartTimestep(o, 1000), -1);
  EXPECT_EQ(countEditCalls(o, 1000), 0);
  o.strength = 1.0;
  EXPECT_EQ(editStartTimestep(o, 1000), 999);
}

TEST_F(EditTest, StrengthZeroIsTheIdentityWithoutNetworkCalls) {
  const at::Tensor x0 = images(2);
  for (EditNoise noise : {EditNoise::kForward, EditNoise::kInvert}) {
    std::atomic<int> calls{0};
    EditOptions o;
    o.strength = 0;
    o.noise = noise;
    EditReport report;
    const at::Tensor x = strengthEdit(data.denoiser(&calls), schedule, x0, o, {}, &report);
    EXPECT_TRUE(at::equal(x, x0));
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(report.networkCalls, 0);
    EXPECT_EQ(report.startTimestep, -1);
    EXPECT_EQ(countEditCalls(o, 1000), 0);
    o.count = 3;
    const at::Tensor many =
        regenerateMasked(data.denoiser(&calls), schedule, x0.slice(0, 0, 1), diagonalMask(), o);
    EXPECT_TRUE(at::equal(many, x0.slice(0, 0, 1).expand({3, 1, 2, 2})));
    EXPECT_EQ(calls, 0);
  }
}

// At strength 1 the edit starts from the seed's noise itself at the top of the sequence: item i
// is sample() from seededNoise(seed + i), whatever the input.
TEST_F(EditTest, StrengthOneEqualsSampleFromTheSameNoise) {
  const at::Tensor x0 = images(3);
  EditOptions o;
  o.strength = 1.0;
  o.steps = 20;
  o.seed = 5;
  std::atomic<int> calls{0};
  const at::Tensor x = strengthEdit(data.denoiser(&calls), schedule, x0, o);
  EXPECT_EQ(calls, 20);
  std::vector<at::Tensor> noise;
  for (uint64_t i = 0; i < 3; ++i) noise.push_back(seededNoise({1, 1, 2, 2}, 5 + i, at::kCPU));
  SampleOptions so;
  so.steps = 20;
  const at::Tensor expected = sample(data.denoiser(), schedule, at::cat(noise), so);
  EXPECT_TRUE(at::allclose(x, expected, 1e-6, 1e-6)) << (x - expected).abs().max();
}

// The same with DPM-Solver++(2M) on the way down: the edit's steps are the sampler's.
TEST_F(EditTest, DpmSolverAtStrengthOneEqualsItsSample) {
  const at::Tensor x0 = images(2);
  EditOptions o;
  o.strength = 1.0;
  o.steps = 10;
  o.seed = 9;
  o.solver = SamplerKind::kDpmSolverPP2M;
  const at::Tensor x = strengthEdit(data.denoiser(), schedule, x0, o);
  const at::Tensor z =
      at::cat({seededNoise({1, 1, 2, 2}, 9, at::kCPU), seededNoise({1, 1, 2, 2}, 10, at::kCPU)});
  SampleOptions so;
  so.steps = 10;
  so.kind = SamplerKind::kDpmSolverPP2M;
  const at::Tensor expected = sample(data.denoiser(), schedule, z, so);
  EXPECT_TRUE(at::allclose(x, expected, 1e-6, 1e-6)) << (x - expected).abs().max();
  so.kind = SamplerKind::kDdim;
  EXPECT_GT((sample(data.denoiser(), schedule, z, so) - expected).abs().max().item<double>(), 1e-4);
}

// q(x_t | x0) = N(alpha_t x0, sigma_t^2 I); at t = 500 of the linear schedule,
// abar = prod_{s <= 500} (1 - beta_s) = 0.0777967 (evaluated in float64 outside the engine), so
// alpha = 0.278921 and sigma = 0.960314.
TEST_F(EditTest, ForwardNoiseMatchesTheMarginalStatistics) {
  const int64_t n = 4000;  // 16,000 values
  const at::Tensor x0 = at::full({n, 1, 2, 2}, 0.6f);
  const at::Tensor xt = forwardNoise(schedule, x0, 500, /*seed=*/11).to(at::kDouble);
  EXPECT_NEAR(xt.mean().item<double>(), 0.6 * 0.278921, 0.03);  // 4 standard errors
  EXPECT_NEAR(xt.std().item<double>(), 0.960314, 0.025);
  // Item k is the single run with seed + k.
  EXPECT_TRUE(at::equal(forwardNoise(schedule, x0.slice(0, 7, 8), 500, 18),
                        xt.slice(0, 7, 8).to(at::kFloat)));
  const at::Tensor z = itemNoise(3, {1, 2, 2}, 11, at::kCPU);
  EXPECT_TRUE(at::equal(z[2].unsqueeze(0), seededNoise({1, 1, 2, 2}, 13, at::kCPU)));
}

// A forward-noise edit at strength 0.5 by hand: x_500 = alpha x0 + sigma z, then DDIM Eq. 12
// (eta 0) down 500, 450, ..., 0 to the clean image.
TEST_F(EditTest, ForwardEditFollowsTheEquationsByHand) {
  const at::Tensor x0 = images(2).to(at::kDouble);
  EditOptions o;
  o.strength = 0.5;
  o.seed = 9;
  const at::Tensor x = strengthEdit(data.denoiser(), schedule, x0, o);

  const at::Tensor z =
      at::cat({seededNoise({1, 1, 2, 2}, 9, at::kCPU), seededNoise({1, 1, 2, 2}, 10, at::kCPU)})
          .to(at::kDouble);
  at::Tensor ref =
      std::sqrt(schedule.alphaBar(500)) * x0 + std::sqrt(1 - schedule.alphaBar(500)) * z;
  for (int64_t t = 500; t >= 0; t -= 50) {
    const double a = schedule.alphaBar(t), ap = schedule.alphaBar(t - 50 < 0 ? -1 : t - 50);
    const at::Tensor eps = data.eps(ref, at::full({2}, static_cast<double>(t)));
    const at::Tensor pred = (ref - std::sqrt(1 - a) * eps) / std::sqrt(a);
    ref = std::sqrt(ap) * pred + std::sqrt(1 - ap) * eps;
  }
  EXPECT_TRUE(at::allclose(x, ref, 1e-9, 1e-9)) << (x - ref).abs().max();
  // Half the way down, the edit stays close to the input (the data's sigma is at most 0.5).
  EXPECT_LT((x - x0).abs().max().item<double>(), 1.5);
}

// Inversion keeps the content: exact inversion to t0 and DDIM back gives the input again; the
// inversion runs on its own denoiser over the sequence at or below t0 only.
TEST_F(EditTest, InvertedEditReconstructsTheInputWithTheInversionDenoiser) {
  const at::Tensor x0 = images(4);
  Recorder inv, smp;
  EditOptions o;
  o.strength = 0.5;
  o.noise = EditNoise::kInvert;
  EditReport report;
  const at::Tensor plain =
      strengthEdit(EditDenoisers(recording(smp), recording(inv)), schedule, x0, o, {}, &report);
  EXPECT_EQ(inv.ts.size(), 11u);  // 0, 50, ..., 450 (Euler form), then the first t again
  EXPECT_EQ(smp.ts.size(), 11u);
  EXPECT_EQ(*std::max_element(inv.ts.begin(), inv.ts.end()), 450.0);
  EXPECT_EQ(smp.ts.front(), 500.0);
  EXPECT_EQ(report.networkCalls, 22);
  EXPECT_EQ(countEditCalls(o, 1000), 22);
  // Plain inversion over 11 steps misses by up to 0.085 here (the sigma = 0.05 pixel amplifies
  // its error); exact inversion does not.
  EXPECT_LT(maxPixelDiff(plain, x0), 0.15);

  o.inversion.method = InversionMethod::kExact;
  o.inversion.tolerance = 1e-5;
  const at::Tensor exact = strengthEdit(data.denoiser(), schedule, x0, o, {}, &report);
  EXPECT_EQ(report.inversion.steps, 11);
  EXPECT_LE(report.networkCalls, countEditCalls(o, 1000));
  EXPECT_EQ(countEditSteps(o, 1000), 22);
  EXPECT_LT(maxPixelDiff(exact, x0), 1e-3);
  EXPECT_LT(maxPixelDiff(exact, x0), maxPixelDiff(plain, x0));
}

// The kept region is the input's own trajectory at every step and the input at the end; the
// regenerated region changes.
TEST_F(EditTest, MaskedRegenerationKeepsTheKeptRegionExactly) {
  const at::Tensor x0 = images(1);
  const at::Tensor m = diagonalMask();
  const at::Tensor keep = (m == 0).expand({1, 1, 2, 2});
  for (EditNoise noise : {EditNoise::kForward, EditNoise::kInvert}) {
    for (double strength : {1.0, 0.6}) {
      Recorder r;
      EditOptions o;
      o.strength = strength;
      o.noise = noise;
      o.seed = 4;
      const at::Tensor x = regenerateMasked(recording(r), schedule, x0, m, o);
      EXPECT_EQ(maxPixelDiff(x.masked_select(keep), x0.masked_select(keep)), 0.0);
      EXPECT_GT(maxPixelDiff(x.masked_select(~keep), x0.masked_select(~keep)), 0.01);
      if (noise == EditNoise::kForward) {
        // Each call after the first sees the kept pixels at alpha_t x0 + sigma_t z.
        const at::Tensor z = seededNoise({1, 1, 2, 2}, 4, at::kCPU);
        for (size_t k = 1; k < r.xs.size(); ++k) {
          const double a = schedule.alphaBar(static_cast<int64_t>(r.ts[k]));
          const at::Tensor known = std::sqrt(a) * x0 + std::sqrt(1 - a) * z;
          EXPECT_TRUE(
              at::allclose(r.xs[k].masked_select(keep), known.masked_select(keep), 1e-6, 1e-6))
              << "call " << k;
        }
      }
    }
  }
}

// RePaint: every step is taken J + 1 times, at the same t, and the kept region stays exact.
TEST_F(EditTest, ResamplingMakesJPlusOneCallsAStep) {
  const at::Tensor x0 = images(1);
  Recorder r;
  EditOptions o;
  o.strength = 0.5;  // 11 steps
  o.resample = 2;
  std::vector<int> steps;
  RunControl c;
  c.onStep = [&](int step, int total, const at::Tensor&) {
    steps.push_back(step);
    EXPECT_EQ(total, 33);
  };
  EditReport report;
  const at::Tensor x = regenerateMasked(recording(r), schedule, x0, diagonalMask(), o, c, &report);
  EXPECT_EQ(r.ts.size(), 33u);
  EXPECT_EQ(report.networkCalls, 33);
  EXPECT_EQ(countEditCalls(o, 1000), 33);
  EXPECT_EQ(countEditSteps(o, 1000), 33);
  EXPECT_EQ(steps.size(), 33u);
  EXPECT_EQ(steps.back(), 33);
  for (size_t k = 0; k < r.ts.size(); ++k)
    EXPECT_EQ(r.ts[k], 500.0 - 50.0 * static_cast<double>(k / 3)) << "call " << k;
  const at::Tensor keep = (diagonalMask() == 0);
  EXPECT_EQ(maxPixelDiff(x.masked_select(keep), x0.masked_select(keep)), 0.0);
  // The jumps draw noise: the result differs from the run without them.
  o.resample = 0;
  EXPECT_GT(maxPixelDiff(x, regenerateMasked(data.denoiser(), schedule, x0, diagonalMask(), o)),
            1e-4);
  o.resample = 1;  // without a mask there is nothing to harmonise
  EXPECT_THROW((void)strengthEdit(data.denoiser(), schedule, x0, o), Error);
}

// Variations: item k of a batch of K equals the run with seed + k alone, for every noise source.
TEST_F(EditTest, BatchOfKEqualsKSingleRuns) {
  const at::Tensor x0 = images(1);
  for (EditNoise noise : {EditNoise::kForward, EditNoise::kInvert}) {
    EditOptions o;
    o.strength = 0.7;
    o.eta = 0.5;
    o.noise = noise;
    o.inversion.method = InversionMethod::kExact;
    o.resample = 1;
    o.seed = 20;
    o.count = 4;
    const at::Tensor batch = regenerateMasked(data.denoiser(), schedule, x0, diagonalMask(), o);
    const at::Tensor plain = strengthEdit(data.denoiser(), schedule, x0, [&] {
      EditOptions p = o;
      p.resample = 0;
      return p;
    }());
    ASSERT_EQ(batch.size(0), 4);
    ASSERT_EQ(plain.size(0), 4);
    for (int64_t k = 0; k < 4; ++k) {
      EditOptions one = o;
      one.count = 1;
      one.seed = 20 + k;
      const at::Tensor single =
          regenerateMasked(data.denoiser(), schedule, x0, diagonalMask(), one);
      EXPECT_TRUE(at::allclose(batch[k], single[0], 1e-6, 1e-6)) << "item " << k;
      one.resample = 0;
      EXPECT_TRUE(
          at::allclose(plain[k], strengthEdit(data.denoiser(), schedule, x0, one)[0], 1e-6, 1e-6))
          << "item " << k;
    }
    EXPECT_GT(maxPixelDiff(batch[0], batch[1]), 1e-3) << "the seeds should differ";
  }
  // A batch of different images with one mask each: item b is image b alone with seed + b.
  const at::Tensor xs = images(3, 8);
  const at::Tensor masks = at::stack({diagonalMask()[0], 1 - diagonalMask()[0], diagonalMask()[0]});
  EditOptions o;
  o.seed = 2;
  const at::Tensor all = regenerateMasked(data.denoiser(), schedule, xs, masks, o);
  for (int64_t b = 0; b < 3; ++b) {
    EditOptions one = o;
    one.seed = 2 + b;
    const at::Tensor single = regenerateMasked(data.denoiser(), schedule, xs.slice(0, b, b + 1),
                                               masks.slice(0, b, b + 1), one);
    EXPECT_TRUE(at::allclose(all[b], single[0], 1e-6, 1e-6)) << "item " << b;
  }
}

TEST_F(EditTest, CancelStopsBeforeTheNextCall) {
  for (EditNoise noise : {EditNoise::kForward, EditNoise::kInvert}) {
    std::atomic<int> calls{0};
    std::atomic<bool> cancel{false};
    RunControl c;
    c.cancel = &cancel;
    c.onStep = [&](int step, int, const at::Tensor& x0) {
      EXPECT_EQ(x0.dim(), 4);
      if (step == 3) cancel = true;
    };
    EditOptions o;
    o.noise = noise;
    o.count = 2;
    EXPECT_THROW(
        (void)regenerateMasked(data.denoiser(&calls), schedule, images(1), diagonalMask(), o, c),
        Cancelled);
    EXPECT_EQ(calls, 3);
  }
}

TEST_F(EditTest, BadOptionsAndMasksThrow) {
  const at::Tensor x0 = images(2);
  const Denoiser d = data.denoiser();
  auto withOption = [](auto set) {
    EditOptions o;
    set(o);
    return o;
  };
  const std::vector<EditOptions> bad = {
      withOption([](EditOptions& o) { o.strength = -0.1; }),
      withOption([](EditOptions& o) { o.strength = 1.5; }),
      withOption([](EditOptions& o) { o.strength = std::nan(""); }),
      withOption([](EditOptions& o) { o.steps = 0; }),
      withOption([](EditOptions& o) { o.steps = 1001; }),
      withOption([](EditOptions& o) { o.eta = 2; }),
      withOption([](EditOptions& o) { o.count = 0; }),
      withOption([](EditOptions& o) { o.resample = -1; }),
      withOption([](EditOptions& o) { o.featherPixels = -1; }),
      withOption([](EditOptions& o) {
        o.solver = SamplerKind::kDpmSolverPP2M;
        o.eta = 0.5;
      }),
      withOption([](EditOptions& o) { o.solver = SamplerKind::kSigmaHat; }),
      withOption([](EditOptions& o) { o.skip = SkipType::kLogSnr; }),  // whole runs only
      withOption([](EditOptions& o) {
        o.noise = EditNoise::kInvert;
        o.inversion.method = InversionMethod::kExact;
        o.inversion.maxIterations = 0;
      }),
  };
  for (const EditOptions& o : bad) {
    EXPECT_THROW(o.validate(1000), Error);
    EXPECT_THROW((void)strengthEdit(d, schedule, x0, o), Error);
  }
  const EditOptions ok;
  const std::vector<at::Tensor> badMasks = {
      at::ones({1, 2, 2, 2}),                // two channels
      at::ones({1, 1, 3, 3}),                // another size
      at::ones({3, 1, 2, 2}),                // batch neither 1 nor 2
      at::ones({1, 2, 2}),                   // three dims
      at::full({1, 1, 2, 2}, 1.5),           // above 1
      diagonalMask() - 0.5,                  // below 0
      at::full({1, 1, 2, 2}, std::nan("")),  // not a number
      at::zeros({1, 1, 2, 2}),               // nothing to regenerate
  };
  for (const at::Tensor& m : badMasks)
    EXPECT_THROW((void)regenerateMasked(d, schedule, x0, m, ok), Error) << m.sizes();
  EXPECT_THROW((void)regenerateMasked(d, schedule, x0, at::Tensor(), ok), Error);
  EXPECT_THROW((void)strengthEdit(d, schedule, x0[0], ok), Error);  // [C, H, W]
  EditOptions variations;
  variations.count = 3;
  EXPECT_THROW((void)strengthEdit(d, schedule, x0, variations), Error);  // count needs B = 1
  try {
    (void)regenerateMasked(d, schedule, x0, at::ones({1, 1, 3, 3}), ok);
    ADD_FAILURE() << "no error for a mask of the wrong size";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 1, 2, 2]"), std::string::npos) << e.what();
  }
}

// Feathering ramps the mask from the kept region's edge inwards and never into the kept region.
TEST_F(EditTest, FeatherStaysInsideTheRegeneratedRegion) {
  at::Tensor m = at::zeros({1, 1, 9, 9});
  m.slice(2, 2, 7).slice(3, 2, 7).fill_(1.0);  // a 5x5 square
  const at::Tensor f = featherMask(m, 2.0);
  EXPECT_TRUE(at::equal(f.masked_select(m == 0), at::zeros({81 - 25})));
  EXPECT_FLOAT_EQ(f[0][0][4][4].item<float>(), 1.0f);  // 3 pixels from the nearest zero
  EXPECT_FLOAT_EQ(f[0][0][2][4].item<float>(), 0.5f);  // 1 pixel: 1 / 2
  EXPECT_FLOAT_EQ(f[0][0][3][4].item<float>(), 1.0f);  // 2 pixels: 2 / 2
  EXPECT_TRUE(at::equal(featherMask(m, 0), m));
  EXPECT_TRUE(at::equal(featherMask(at::ones({1, 1, 3, 3}), 5), at::ones({1, 1, 3, 3})));

  // On an 8x8 Gaussian model, a feathered regeneration keeps the kept region exactly.
  GaussianData wide = data;
  wide.mu = at::linspace(-0.5, 0.5, 64, at::kDouble).reshape({1, 8, 8});
  wide.sigma = at::full({1, 8, 8}, 0.2, at::kDouble);
  const at::Tensor x0 =
      (wide.mu + wide.sigma * seededNoise({1, 1, 8, 8}, 1, at::kCPU).to(at::kDouble))
          .to(at::kFloat);
  at::Tensor mask = at::zeros({1, 1, 8, 8});
  mask.slice(3, 4, 8).fill_(1.0);  // the right half
  EditOptions o;
  o.strength = 1.0;
  o.featherPixels = 3;
  const at::Tensor x = regenerateMasked(wide.denoiser(), schedule, x0, mask, o);
  EXPECT_LE(maxPixelDiff(x.slice(3, 0, 4), x0.slice(3, 0, 4)), 2.0 / 255);
  EXPECT_GT(maxPixelDiff(x.slice(3, 6, 8), x0.slice(3, 6, 8)), 0.01);
}

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ddim_edit_test_" + name)).string();
}

// A 12x8 picture, white (or grey) in columns 5..7 of rows 2..5, black elsewhere.
Rgb8Image stripes(uint8_t level) {
  Rgb8Image img;
  img.width = 12;
  img.height = 8;
  img.pixels.assign(12 * 8 * 3, 0);
  for (int y = 2; y < 6; ++y)
    for (int x = 5; x < 8; ++x)
      for (int c = 0; c < 3; ++c) img.pixels[(y * 12 + x) * 3 + c] = level;
  return img;
}

// The mask goes through the image's own centre crop (columns 2..9) and resize, so the two align.
TEST(MaskTest, MaskAlignsWithTheImageCrop) {
  const std::string path = tempPath("mask.png");
  writePng(path, stripes(255));
  for (int size : {8, 4, 16}) {
    const at::Tensor mask = loadMaskForModel(path, size);
    ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{1, 1, size, size}));
    const at::Tensor image = (loadImageForModel(path, size) + 1) / 2;
    EXPECT_TRUE(at::allclose(mask[0][0], image[0][0], 0, 1e-6)) << "size " << size;
    EXPECT_GE(mask.min().item<float>(), 0.0f);
    EXPECT_LE(mask.max().item<float>(), 1.0f);
  }
  // At the crop's own size, by hand: the white block moves 2 columns left.
  at::Tensor expected = at::zeros({8, 8});
  expected.slice(0, 2, 6).slice(1, 3, 6).fill_(1.0);
  EXPECT_TRUE(at::equal(loadMaskForModel(path, 8)[0][0], expected));
  // Grey below one half is "keep".
  const std::string grey = tempPath("grey.png");
  Rgb8Image mixed = stripes(100);
  for (int c = 0; c < 3; ++c) mixed.pixels[(2 * 12 + 5) * 3 + c] = 200;
  writePng(grey, mixed);
  const at::Tensor g = loadMaskForModel(grey, 8);
  EXPECT_EQ(g.sum().item<float>(), 1.0f);
  EXPECT_EQ(g[0][0][2][3].item<float>(), 1.0f);
  std::filesystem::remove(path);
  std::filesystem::remove(grey);
}

TEST(MaskTest, UnreadableOrEmptyMasksNameTheFile) {
  auto messageOf = [](const std::string& path) {
    try {
      (void)loadMaskForModel(path, 8);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string garbage = tempPath("garbage.png");
  std::ofstream(garbage) << "not a png";
  const std::string black = tempPath("black.png");
  writePng(black, stripes(0));
  const std::string outside = tempPath("outside.png");
  Rgb8Image edge = stripes(0);
  for (int c = 0; c < 3; ++c) edge.pixels[(3 * 12 + 0) * 3 + c] = 255;  // column 0: cropped away
  writePng(outside, edge);
  const std::string missing = tempPath("missing.png");
  for (const std::string& path : {garbage, black, outside, missing}) {
    const std::string message = messageOf(path);
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  EXPECT_NE(messageOf(black).find("no white pixel"), std::string::npos);
  EXPECT_NE(messageOf(outside).find("centre square"), std::string::npos);
  for (const std::string& path : {garbage, black, outside}) std::filesystem::remove(path);
}

}  // namespace
}  // namespace ddim
