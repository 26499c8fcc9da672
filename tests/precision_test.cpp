#include "model/precision.h"

#include <gtest/gtest.h>
#include <torch/utils.h>

#include "diffusion/noise.h"
#include "errors.h"
#include "model/model_loader.h"
#include "model/unet.h"
#include "tiny_config.h"

namespace ddim {
namespace {

const c10::Device kCpu(c10::kCPU);

TEST(PrecisionTest, ParsesTheFourNamesAndRejectsOthers) {
  for (Precision p : {Precision::kAuto, Precision::kFp32, Precision::kBf16, Precision::kFp16})
    EXPECT_EQ(parsePrecision(toString(p)), p);
  EXPECT_THROW((void)parsePrecision("float16"), Error);
  EXPECT_THROW((void)parsePrecision(""), Error);
}

TEST(PrecisionTest, CpuChoicesAndFallbacks) {
  EXPECT_EQ(resolvePrecision(Precision::kFp32, kCpu).used, Precision::kFp32);
  EXPECT_EQ(resolvePrecision(Precision::kBf16, kCpu).used, Precision::kBf16);
  // No fp16 convolution on the CPU: fp32, and the reason says so.
  const PrecisionChoice fp16 = resolvePrecision(Precision::kFp16, kCpu);
  EXPECT_EQ(fp16.used, Precision::kFp32);
  EXPECT_NE(fp16.reason.find("fp16"), std::string::npos) << fp16.reason;
  EXPECT_EQ(resolvePrecision(Precision::kAuto, kCpu).used,
            cpuHasAvx512Bf16() ? Precision::kBf16 : Precision::kFp32);
  // A network that runs as saved stays fp32 whatever is asked.
  for (Precision p : {Precision::kAuto, Precision::kBf16, Precision::kFp16})
    EXPECT_EQ(resolvePrecision(p, kCpu, /*reducedPossible=*/false).used, Precision::kFp32);
}

TEST(PrecisionTest, CudaTakesWhatIsAskedAndAutoIsBf16) {
  const c10::Device cuda(c10::kCUDA, 0);  // resolving does not touch the device
  EXPECT_EQ(resolvePrecision(Precision::kFp16, cuda).used, Precision::kFp16);
  EXPECT_EQ(resolvePrecision(Precision::kAuto, cuda).used, Precision::kBf16);
}

// The loaded model runs in the chosen precision; fullPrecision() (for inversion) stays float32.
TEST(PrecisionTest, LoadedModelSamplesInBf16AndInvertsInFp32) {
  const ModelConfig config = testing::tinyConfig();
  torch::manual_seed(0);
  UNet net(config.model);
  LoadedModel model = modelFromNetwork(net.ptr(), config, kCpu, "tiny");
  const at::Tensor x = seededNoise({2, 3, 8, 8}, 5, kCpu);
  const at::Tensor t = at::full({2}, 40.0f);
  const at::Tensor fp32 = model.denoiser.net(x, t);
  applyPrecision(model, Precision::kBf16);
  EXPECT_EQ(model.precision.used, Precision::kBf16);
  const at::Tensor bf16 = model.denoiser.net(x, t);
  EXPECT_FALSE(at::equal(bf16, fp32));
  EXPECT_LT((bf16 - fp32).abs().max().item<double>(), 2e-2 * fp32.abs().max().item<double>());
  EXPECT_TRUE(at::equal(model.fullPrecision().net(x, t), fp32));
  applyPrecision(model, Precision::kFp16);  // falls back on the CPU
  EXPECT_EQ(model.precision.used, Precision::kFp32);
  EXPECT_TRUE(at::equal(model.denoiser.net(x, t), fp32));
}

}  // namespace
}  // namespace ddim
