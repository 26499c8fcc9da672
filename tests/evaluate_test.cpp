#include "training/evaluate.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "diffusion/inversion.h"
#include "diffusion/sampler.h"
#include "io/image_io.h"

namespace {

// Small tensors: one thread is faster, and immune to OpenMP spin-waits on a busy machine.
struct OneThread {
  int saved = at::get_num_threads();
  OneThread() { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(saved); }
};

constexpr double kDataStd = 0.5;

// Exact noise prediction for data ~ N(0, s^2 I): E[eps | x_t] = sqrt(1 - a) x_t / (a s^2 + 1 - a).
ddim::Denoiser gaussianDenoiser(const ddim::NoiseSchedule& schedule, double dataStd) {
  ddim::Denoiser d;
  d.net = [&schedule, dataStd](const at::Tensor& x, const at::Tensor& t) {
    const double a = schedule.alphaBar(static_cast<int64_t>(t[0].item<float>()));
    return x * (std::sqrt(1 - a) / (a * dataStd * dataStd + 1 - a));
  };
  return d;
}

TEST(EvaluateTest, ReconstructionErrorFallsWithStepsAndMatchesImageError) {
  const ddim::NoiseSchedule schedule(ddim::DiffusionConfig{});
  const ddim::Denoiser d = gaussianDenoiser(schedule, kDataStd);
  torch::manual_seed(0);
  const at::Tensor images = (kDataStd * torch::randn({5, 3, 8, 8})).clamp(-1, 1);
  const auto rows =
      ddim::evaluateReconstruction(d, schedule, images, {10, 100}, ddim::SkipType::kUniform,
                                   /*batchSize=*/2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].steps, 10);
  EXPECT_EQ(rows[1].images, 5);
  EXPECT_GT(rows[0].mse, 0);
  EXPECT_LT(rows[1].mse, rows[0].mse);
  EXPECT_NEAR(rows[0].psnr, 10 * std::log10(1 / rows[0].mse), 1e-9);

  // Same number from an independent path: invert + sample the whole set at once, imageError.
  ddim::InvertOptions io;
  io.steps = 10;
  ddim::SampleOptions so;
  so.steps = 10;
  const at::Tensor recon = ddim::sample(d, schedule, ddim::invert(d, schedule, images, io), so);
  EXPECT_NEAR(rows[0].mse, ddim::imageError(images, recon).mse, 1e-9);

  const std::string table = ddim::reconstructionTable(rows);
  EXPECT_NE(table.find("| S | 10 | 100 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| MSE (pixels in [0, 1]) |"), std::string::npos) << table;
}

// The exact-inversion rows of the Table 2 form: far lower error than the paper's inversion at the
// same S, with the calls it took and the worst image, each checked against its own definition.
TEST(EvaluateTest, ExactInversionRowsReportCallsAndTheWorstImage) {
  const ddim::NoiseSchedule schedule(ddim::DiffusionConfig{});
  const ddim::Denoiser d = gaussianDenoiser(schedule, kDataStd);
  torch::manual_seed(1);
  const at::Tensor images = (kDataStd * torch::randn({4, 3, 8, 8})).clamp(-1, 1);
  const auto plain = ddim::evaluateReconstruction(d, schedule, images, {10},
                                                  ddim::SkipType::kUniform, /*batchSize=*/4);
  ddim::InvertOptions exact;
  exact.method = ddim::InversionMethod::kExact;
  const auto rows = ddim::evaluateReconstruction(d, schedule, images, {10}, exact, /*batchSize=*/1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(rows[0].psnr, plain[0].psnr + 20);
  EXPECT_EQ(plain[0].callsPerStep, 1.0);
  EXPECT_GT(rows[0].callsPerStep, 1.0);
  EXPECT_LE(rows[0].callsPerStep, exact.maxIterations + 1.0);
  EXPECT_LE(rows[0].worstPsnr, rows[0].psnr);
  // The worst image, found here one image at a time.
  double worst = 1e9;
  for (int64_t i = 0; i < 4; ++i) {
    const auto one =
        ddim::evaluateReconstruction(d, schedule, images.narrow(0, i, 1), {10}, exact, 1);
    worst = std::min(worst, one[0].psnr);
  }
  EXPECT_NEAR(rows[0].worstPsnr, worst, 1e-9);
  const std::string table = ddim::reconstructionTable(rows, /*detailed=*/true);
  EXPECT_NE(table.find("| inversion calls a step |"), std::string::npos) << table;
  EXPECT_NE(table.find("| worst image PSNR (dB) |"), std::string::npos) << table;
}

TEST(EvaluateTest, SampleQualityPrefersTheExactModelOverAWrongOne) {
  const OneThread oneThread;
  const ddim::NoiseSchedule schedule(ddim::DiffusionConfig{});
  torch::manual_seed(1);
  const at::Tensor data = (kDataStd * torch::randn({200, 3, 8, 8})).clamp(-1, 1);
  ddim::FrechetFeatures features;
  features.normaliseTo(features(data));
  const ddim::GaussianStats reference = ddim::gaussianStats(features(data));

  ddim::SampleQualityOptions o;
  o.steps = {10, 20};
  o.etas = {0.0, 1.0};
  o.sigmaHat = true;
  o.dpmSolverSteps = {10};  // its own step counts: a row with only S = 10 filled
  o.numSamples = 120;
  o.batchSize = 50;
  int calls = 0;
  const auto exact = ddim::evaluateSampleQuality(gaussianDenoiser(schedule, kDataStd), schedule,
                                                 features, reference, 3, 8, torch::kCPU, o, {},
                                                 [&](const ddim::SampleQualityCell&) { ++calls; });
  ASSERT_EQ(exact.size(), 7u);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(exact[0].sampler, "eta = 0");
  EXPECT_EQ(exact[5].sampler, "sigma-hat");
  EXPECT_EQ(exact[6].sampler, "DPM-Solver++(2M), logsnr");  // its default schedule
  EXPECT_EQ(exact[6].steps, 10);
  const auto wrong = ddim::evaluateSampleQuality(gaussianDenoiser(schedule, 0.1), schedule,
                                                 features, reference, 3, 8, torch::kCPU, o);
  for (size_t i = 0; i < exact.size(); ++i) {
    EXPECT_TRUE(std::isfinite(exact[i].fd));
    EXPECT_LT(exact[i].fd, wrong[i].fd) << exact[i].sampler << " S=" << exact[i].steps;
  }
  const std::string table = ddim::sampleQualityTable(exact);
  EXPECT_NE(table.find("| sampler | S = 10 | S = 20 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| eta = 0 (DDIM) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| sigma-hat |"), std::string::npos) << table;
  char dpmRow[96];  // S = 20 left empty
  std::snprintf(dpmRow, sizeof dpmRow, "| DPM-Solver++(2M), logsnr | %.3f | |\n", exact[6].fd);
  EXPECT_NE(table.find(dpmRow), std::string::npos) << table;
}

}  // namespace
