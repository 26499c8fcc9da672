// The task layer both front ends call (core/tasks): checked against the diffusion functions run
// directly on the analytic Gaussian model, so a task adds orchestration and nothing else.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "analytic_model.h"
#include "diffusion/inversion.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"
#include "io/npy.h"
#include "io/resources.h"
#include "model/model_loader.h"
#include "tasks/compare.h"
#include "tasks/latents.h"
#include "tasks/reconstruct.h"
#include "weights_test_util.h"

namespace ddim {
namespace {

using testing::GaussianData;

class TasksTest : public ::testing::Test {
 protected:
  TasksTest() {
    model.config.imageSize = 2;
    model.config.channels = 1;
    model.schedule = schedule;
    model.denoiser = data.denoiser();
    model.name = "gaussian";
  }
  NoiseSchedule schedule{BetaSchedule::kLinear, 1e-4, 0.02, 1000};
  GaussianData data = GaussianData::make(schedule);
  LoadedModel model;

  [[nodiscard]] at::Tensor image() const {
    return (data.mu + data.sigma * seededNoise({1, 1, 2, 2}, 5, at::kCPU).to(at::kDouble))
        .to(at::kFloat);
  }
};

// The recorded progress of one call: every reported (step, total).
struct Recorder {
  std::vector<int> steps;
  std::vector<int> totals;
  RunControl control() {
    RunControl c;
    c.onStep = [this](int step, int total, const at::Tensor&) {
      steps.push_back(step);
      totals.push_back(total);
    };
    return c;
  }
  void expectCounts(int total) const {
    ASSERT_EQ(static_cast<int>(steps.size()), total);
    for (int i = 0; i < total; ++i) {
      EXPECT_EQ(steps[i], i + 1);
      EXPECT_EQ(totals[i], total);
    }
  }
};

TEST(RunControlTest, PartMapsStepsIntoTheWholeJobAndKeepsTheToken) {
  std::atomic<bool> cancel{false};
  std::vector<std::pair<int, int>> seen;
  RunControl whole;
  whole.cancel = &cancel;
  whole.onStep = [&](int step, int total, const at::Tensor&) { seen.emplace_back(step, total); };
  const RunControl second = whole.part(/*offset=*/7, /*total=*/12);
  second.onStep(1, 5, at::Tensor());
  second.onStep(5, 5, at::Tensor());
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{8, 12}, {12, 12}}));
  cancel = true;
  EXPECT_THROW(second.checkCancelled(), Cancelled);
  EXPECT_FALSE(static_cast<bool>(RunControl().part(0, 3).onStep));
}

TEST(CompareStepListTest, SortsRemovesDuplicatesAndRefusesNonsense) {
  EXPECT_EQ(compareStepList({20, 5, 10, 5}), (std::vector<int>{5, 10, 20}));
  EXPECT_THROW((void)compareStepList({}), Error);
  EXPECT_THROW((void)compareStepList({10, 0}), Error);
}

TEST_F(TasksTest, CompareSamplesEachCountAsTheSamplerDoesAndMeasuresAgainstTheMost) {
  const at::Tensor z = seededNoise({1, 1, 2, 2}, 3, at::kCPU);
  SampleOptions base;
  base.steps = 999;  // ignored: the counts decide
  base.eta = 0.5;
  base.noiseSeed = 11;
  Recorder progress;
  std::vector<int> announced;
  const std::vector<CompareEntry> entries =
      compareSteps(model.denoiser, schedule, z, base, {20, 5, 10, 5}, progress.control(),
                   [&](const CompareEntry& e) { announced.push_back(e.steps); });
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(announced, (std::vector<int>{5, 10, 20}));
  progress.expectCounts(5 + 10 + 20);
  EXPECT_EQ(compareCalls({20, 5, 10, 5}, base, 1000), 35);
  for (const CompareEntry& e : entries) {
    SampleOptions o = base;
    o.steps = e.steps;
    const at::Tensor expected = sample(model.denoiser, schedule, z, o);
    EXPECT_TRUE(at::allclose(e.image, expected, 0, 0)) << "S=" << e.steps;
    EXPECT_GE(e.seconds, 0);
    EXPECT_EQ(e.isReference, e.steps == 20);
    // MSE in [0, 1] pixels: (x + 1) / 2 on both sides, computed here by hand.
    const at::Tensor a = ((e.image.clamp(-1, 1) + 1) / 2).to(at::kDouble);
    const at::Tensor b = ((entries.back().image.clamp(-1, 1) + 1) / 2).to(at::kDouble);
    EXPECT_NEAR(e.toReference.mse, (a - b).pow(2).mean().item<double>(),
                1e-6 * e.toReference.mse + 1e-12);
  }
  EXPECT_EQ(entries.back().toReference.mse, 0.0);
  EXPECT_GT(entries.front().toReference.mse, 0.0);
}

TEST_F(TasksTest, InvertAndReconstructIsInversionThenSamplingWithTheSameSteps) {
  InvertOptions o;
  o.steps = 10;
  const at::Tensor x0 = image();
  Recorder progress;
  std::vector<std::string> order;
  RunControl control = progress.control();
  const StepCallback count = control.onStep;
  control.onStep = [&](int step, int total, const at::Tensor& x) {
    order.push_back("step");
    count(step, total, x);
  };
  const Reconstruction r = invertAndReconstruct(
      model, x0, o, /*reconstruct=*/true, control,
      [&](const at::Tensor& latent) { order.push_back("latent " + std::to_string(order.size())); });
  progress.expectCounts(20);
  ASSERT_EQ(order.size(), 21u);
  EXPECT_EQ(order[10], "latent 10");  // between the two halves
  EXPECT_EQ(reconstructionCalls(o, 1000, true), 20);

  const at::Tensor latent = invert(model.denoiser, schedule, x0, o);
  SampleOptions back;
  back.steps = 10;
  const at::Tensor decoded = sample(model.denoiser, schedule, latent, back);
  EXPECT_TRUE(at::allclose(r.latent, latent, 0, 0));
  EXPECT_TRUE(at::allclose(r.image, decoded, 0, 0));
  const at::Tensor a = ((decoded.clamp(-1, 1) + 1) / 2).to(at::kDouble);
  const at::Tensor b = ((x0.clamp(-1, 1) + 1) / 2).to(at::kDouble);
  EXPECT_NEAR(r.error.mse, (a - b).pow(2).mean().item<double>(), 1e-6 * r.error.mse);
  EXPECT_GT(r.error.psnr, 20);  // the analytic model inverts well at 10 steps
}

TEST_F(TasksTest, InvertWithoutReconstructionMakesHalfTheCalls) {
  InvertOptions o;
  o.steps = 8;
  std::atomic<int> calls{0};
  model.denoiser = data.denoiser(&calls);
  Recorder progress;
  const Reconstruction r = invertAndReconstruct(model, image(), o, false, progress.control());
  EXPECT_EQ(calls, 8);
  progress.expectCounts(8);
  EXPECT_TRUE(r.latent.defined());
  EXPECT_FALSE(r.image.defined());
}

TEST_F(TasksTest, ReadsLatentsOfTheModelsShapeAndNamesTheFileOtherwise) {
  testing::ScratchDir dir;
  const at::Tensor one = seededNoise({1, 1, 2, 2}, 1, at::kCPU);
  writeNpy(dir.file("one.npy"), one);
  writeNpy(dir.file("chw.npy"), one[0]);
  writeNpy(dir.file("two.npy"), seededNoise({2, 1, 2, 2}, 2, at::kCPU));
  writeNpy(dir.file("rgb.npy"), seededNoise({1, 3, 2, 2}, 2, at::kCPU));
  EXPECT_TRUE(at::equal(readLatentFor(model, dir.file("one.npy"), LatentCount::kOne), one));
  EXPECT_TRUE(at::equal(readLatentFor(model, dir.file("chw.npy"), LatentCount::kOne), one));
  EXPECT_EQ(readLatentFor(model, dir.file("two.npy"), LatentCount::kBatch).size(0), 2);
  EXPECT_TRUE(at::equal(latentFromFileOrImage(model, dir.file("one.npy"), InvertOptions()), one));
  for (const auto& [file, count, expected] :
       std::vector<std::tuple<std::string, LatentCount, std::string>>{
           {"two.npy", LatentCount::kOne, "expects [1, 1, 2, 2]"},
           {"rgb.npy", LatentCount::kBatch, "expects [B, 1, 2, 2]"}}) {
    try {
      (void)readLatentFor(model, dir.file(file), count);
      ADD_FAILURE() << file << " accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(dir.file(file)), std::string::npos) << what;
      EXPECT_NE(what.find(expected), std::string::npos) << what;
    }
  }
  EXPECT_EQ(latentShape(model, 4), (std::vector<int64_t>{4, 1, 2, 2}));
}

TEST(ResourcesTest, DataIsFoundBesideTheExecutableOrWhereTheEnvironmentSays) {
  namespace fs = std::filesystem;
  const fs::path exe = fs::canonical("/proc/self/exe");
  EXPECT_EQ(executableDir(), exe.parent_path().string());
  unsetenv("DDIM_RESOURCE_DIR");
  EXPECT_EQ(fs::path(resourceDir()), exe.parent_path().parent_path() / "share" / "ddim-studio");
  unsetenv("DDIM_DEFAULT_MODEL");
  EXPECT_EQ(fs::path(defaultModelFolder()),
            exe.parent_path().parent_path() / "share" / "ddim-studio" / "models" / "emoji32");
  setenv("DDIM_RESOURCE_DIR", "/somewhere/else", 1);
  EXPECT_EQ(resourceDir(), "/somewhere/else");
  EXPECT_EQ(fs::path(defaultModelFolder()), fs::path("/somewhere/else/models/emoji32"));
  unsetenv("DDIM_RESOURCE_DIR");
}

}  // namespace
}  // namespace ddim
