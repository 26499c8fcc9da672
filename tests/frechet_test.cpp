#include "training/frechet.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace {

// Small tensors: one thread is faster, and immune to OpenMP spin-waits on a busy machine.
struct OneThread {
  int saved = at::get_num_threads();
  OneThread() { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(saved); }
};

at::Tensor mat(std::initializer_list<double> v, int64_t n) {
  return torch::tensor(std::vector<double>(v), torch::kDouble).reshape({n, n});
}

TEST(FrechetTest, TraceSqrtProductOfDiagonalCovariances) {
  const at::Tensor s1 = torch::diag(torch::tensor({1.0, 4.0, 9.0}, torch::kDouble));
  const at::Tensor s2 = torch::diag(torch::tensor({4.0, 1.0, 16.0}, torch::kDouble));
  EXPECT_NEAR(ddim::traceSqrtProduct(s1, s2), 2.0 + 2.0 + 12.0, 1e-10);
}

TEST(FrechetTest, TraceSqrtProductOfNonCommuting2x2MatchesClosedForm) {
  // For 2x2, S1 S2 has eigenvalues l1, l2 >= 0 and (sqrt(l1) + sqrt(l2))^2 = tr + 2 sqrt(det).
  const at::Tensor s1 = mat({2, 1, 1, 2}, 2), s2 = mat({3, -1, -1, 1}, 2);
  const at::Tensor p = torch::matmul(s1, s2);
  const double expected =
      std::sqrt(p.trace().item<double>() + 2 * std::sqrt(torch::det(p).item<double>()));
  EXPECT_NEAR(ddim::traceSqrtProduct(s1, s2), expected, 1e-10);
  EXPECT_NEAR(ddim::traceSqrtProduct(s2, s1), expected, 1e-10);
}

TEST(FrechetTest, DistanceBetweenKnownGaussiansMatchesFormula) {
  ddim::GaussianStats a, b;
  a.mean = torch::tensor({0.0, 1.0}, torch::kDouble);
  b.mean = torch::tensor({3.0, -3.0}, torch::kDouble);
  a.cov = mat({2, 1, 1, 2}, 2);
  b.cov = mat({3, -1, -1, 1}, 2);
  const at::Tensor p = torch::matmul(a.cov, b.cov);
  const double trSqrt =
      std::sqrt(p.trace().item<double>() + 2 * std::sqrt(torch::det(p).item<double>()));
  const double expected = 9 + 16 + 4 + 4 - 2 * trSqrt;
  EXPECT_NEAR(ddim::frechetDistance(a, b), expected, 1e-9);
  EXPECT_NEAR(ddim::frechetDistance(a, a), 0.0, 1e-9);
}

TEST(FrechetTest, SampleStatisticsConvergeToTheAnalyticDistance) {
  torch::manual_seed(3);
  const at::Tensor chol = torch::linalg::cholesky(mat({2, 1, 1, 2}, 2));
  const at::Tensor x = torch::matmul(torch::randn({40000, 2}, torch::kDouble), chol.t()) +
                       torch::tensor({1.0, -1.0}, torch::kDouble);
  const ddim::GaussianStats s = ddim::gaussianStats(x);
  ddim::GaussianStats truth;
  truth.mean = torch::tensor({1.0, -1.0}, torch::kDouble);
  truth.cov = mat({2, 1, 1, 2}, 2);
  EXPECT_LT(ddim::frechetDistance(s, truth), 2e-3);
  EXPECT_NEAR(s.cov[0][1].item<double>(), 1.0, 0.05);
}

// Synthetic "emoji": white background with a coloured disc of random colour, size and place.
at::Tensor discs(int n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const at::Tensor yy = torch::arange(32, torch::kFloat).view({32, 1}).expand({32, 32});
  const at::Tensor xx = torch::arange(32, torch::kFloat).view({1, 32}).expand({32, 32});
  at::Tensor out = torch::ones({n, 3, 32, 32});
  for (int i = 0; i < n; ++i) {
    const at::Tensor r = at::rand({6}, gen);
    const float cx = 10 + 12 * r[0].item<float>(), cy = 10 + 12 * r[1].item<float>();
    const float rad = 5 + 8 * r[2].item<float>();
    const at::Tensor inside = ((xx - cx).pow(2) + (yy - cy).pow(2)) < rad * rad;
    for (int c = 0; c < 3; ++c) out[i][c].masked_fill_(inside, 2 * r[3 + c].item<float>() - 1);
  }
  return out;
}

TEST(FrechetTest, FeaturesAreFixedAndRankDegradedImagesFurther) {
  const OneThread oneThread;
  const at::Tensor a = discs(600, 1), b = discs(600, 2);
  ddim::FrechetFeatures f1, f2;
  EXPECT_TRUE(torch::equal(f1(a.narrow(0, 0, 4)), f2(a.narrow(0, 0, 4))));
  EXPECT_EQ(f1(a.narrow(0, 0, 4)).size(1), f1.dim());
  f1.normaliseTo(f1(a));
  const ddim::GaussianStats ref = ddim::gaussianStats(f1(a));
  EXPECT_NEAR(ddim::frechetDistance(ref, ddim::gaussianStats(f1(a))), 0.0, 1e-6);  // round-off only
  // Each block has total variance 1 over the reference after normalising.
  const at::Tensor var = f1(a).var(0);
  EXPECT_NEAR(var.narrow(0, 0, ddim::FrechetFeatures::kPixels).sum().item<double>(), 1.0, 1e-6);

  auto fd = [&](const at::Tensor& imgs) {
    return ddim::frechetDistance(ref, ddim::gaussianStats(f1(imgs)));
  };
  const double same = fd(b);
  const double noisy = fd(b + 0.1 * torch::randn_like(b));
  const double noisier = fd(b + 0.3 * torch::randn_like(b));
  const double greyBackground = fd(torch::where(b == 1.0, torch::zeros_like(b), b));
  EXPECT_LT(same, noisy);
  EXPECT_LT(noisy, noisier);
  EXPECT_LT(same, greyBackground);
}

}  // namespace
