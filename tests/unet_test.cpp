#include "model/unet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"
#include "key_list.h"
#include "model/safetensors.h"
#include "model/state_dict.h"
#include "model/unet_shapes.h"
#include "tiny_config.h"

namespace ddim {
namespace {

std::string goldenPath() { return testing::testDataDir() + "/unet/unet_golden.safetensors"; }

UNetConfig paperConfig(std::vector<int> chMult, int resolution, double dropout) {
  UNetConfig c;
  c.ch = 128;
  c.outCh = 3;
  c.chMult = std::move(chMult);
  c.numResBlocks = 2;
  c.attnResolutions = {16};
  c.dropout = dropout;
  c.inChannels = 3;
  c.resolution = resolution;
  c.resampWithConv = true;
  return c;
}

// The two tiny configs of scripts/make_unet_golden.py (CONFIGS there).
UNetConfig goldenConfigA() {
  UNetConfig c;
  c.ch = 32;
  c.outCh = 3;
  c.chMult = {1, 2};
  c.numResBlocks = 1;
  c.attnResolutions = {8};
  c.dropout = 0.1;
  c.inChannels = 3;
  c.resolution = 16;
  c.resampWithConv = true;
  return c;
}

UNetConfig goldenConfigB() {
  UNetConfig c;
  c.ch = 32;
  c.outCh = 2;
  c.chMult = {1, 1, 2};
  c.numResBlocks = 2;
  c.attnResolutions = {16};
  c.dropout = 0.0;
  c.inChannels = 4;
  c.resolution = 16;
  c.resampWithConv = false;
  return c;
}

void expectMatchesKeymap(const UNetConfig& config, const std::string& keymap,
                         int64_t expectedParameters) {
  torch::NoGradGuard noGrad;
  UNet model(config);
  const std::vector<testing::KeyListEntry> expected = testing::readKeyList(keymap);
  const auto params = model->named_parameters();
  ASSERT_EQ(params.size(), expected.size()) << keymap;
  for (size_t i = 0; i < expected.size(); ++i) {
    // Same names in the same order as the official state_dict.
    EXPECT_EQ(params[i].key(), expected[i].official) << keymap << " entry " << i;
    EXPECT_EQ(params[i].value().sizes().vec(), expected[i].shape) << expected[i].official;
  }
  EXPECT_EQ(parameterCount(*model), expectedParameters) << keymap;
}

// ---- the name-keyed weight generator of scripts/make_unet_golden.py, bit for bit

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

bool isNormParameter(const std::string& name) {
  const size_t last = name.rfind('.');
  const size_t before = name.rfind('.', last - 1);
  const std::string owner =
      name.substr(before == std::string::npos ? 0 : before + 1, last - (before + 1));
  return owner == "norm1" || owner == "norm2" || owner == "norm" || owner == "norm_out";
}

torch::Tensor generatedWeight(const std::string& name, at::IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const uint64_t seed = fnv1a64(name);
  const bool isWeight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
  double scale = 1.0 / 8.0;
  if (!isNormParameter(name) && shape.size() >= 2) {
    const int64_t fanIn = n / shape[0];
    int k = 0;
    while ((int64_t{1} << (2 * k)) < fanIn) ++k;
    scale = std::ldexp(1.0, -k);
  }
  std::vector<float> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t z = splitmix64(seed + static_cast<uint64_t>(i));
    const double r = static_cast<double>(static_cast<int64_t>(z >> 40) - (int64_t{1} << 23)) /
                     static_cast<double>(int64_t{1} << 23);
    double w = r * scale;
    if (isNormParameter(name)) w = isWeight ? 1.0 + r / 4.0 : r / 4.0;
    values[static_cast<size_t>(i)] = static_cast<float>(w);
  }
  return torch::from_blob(values.data(), shape, torch::kFloat).clone();
}

const torch::Tensor& golden(const StateDict& file, const std::string& name) {
  const torch::Tensor* t = findTensor(file, name);
  if (t == nullptr) throw Error(goldenPath() + ": missing tensor '" + name + "'");
  return *t;
}

// Fills every parameter from the generator and checks it against the script's probes, so a
// mismatch in the generator cannot hide behind (or be mistaken for) a mismatch in the network.
void loadGeneratedWeights(UNet& model, const StateDict& file, const std::string& prefix) {
  torch::NoGradGuard noGrad;
  size_t probes = 0;
  for (const auto& entry : file) {
    if (entry.first.rfind(prefix + ".probe.", 0) == 0) ++probes;
  }
  const auto params = model->named_parameters();
  ASSERT_EQ(params.size(), probes) << "config " << prefix << ": parameter count differs";
  for (const auto& p : params) {
    const torch::Tensor w = generatedWeight(p.key(), p.value().sizes());
    const torch::Tensor& probe = golden(file, prefix + ".probe." + p.key());
    const torch::Tensor flat = w.to(torch::kDouble).flatten();
    const torch::Tensor idx = torch::arange(flat.numel(), torch::kDouble);
    EXPECT_DOUBLE_EQ(flat.sum().item<double>(), probe[0].item<double>()) << p.key();
    EXPECT_DOUBLE_EQ((flat * (idx.fmod(13) + 1)).sum().item<double>(), probe[1].item<double>())
        << p.key();
    p.value().copy_(w);
  }
}

void expectClose(const torch::Tensor& actual, const torch::Tensor& expected, double atol,
                 const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double maxDiff =
      (actual.cpu().to(torch::kDouble) - expected.to(torch::kDouble)).abs().max().item<double>();
  EXPECT_LE(maxDiff, atol) << what << ": max |diff| " << maxDiff;
}

void expectGoldenOutput(const UNetConfig& config, const std::string& prefix) {
  const StateDict file = readSafetensors(goldenPath());
  const torch::Tensor& x = golden(file, prefix + ".x");
  const torch::Tensor& t = golden(file, prefix + ".t");
  UNet model(config);
  model->eval();
  {
    // A first call with the initial weights: whatever the forward caches must follow the load.
    torch::NoGradGuard noGrad;
    (void)model->forward(x, t);
  }
  loadGeneratedWeights(model, file, prefix);
  torch::NoGradGuard noGrad;
  expectClose(model->forward(x, t), golden(file, prefix + ".out"), 1e-5, "config " + prefix);
}

// ---- structure

TEST(UNetTest, Cifar10NamesShapesAndCountMatchOfficial) {
  expectMatchesKeymap(paperConfig({1, 2, 2, 2}, 32, 0.1), "cifar10", 35'746'307);
}

TEST(UNetTest, CelebA64NamesShapesAndCountMatchOfficial) {
  expectMatchesKeymap(paperConfig({1, 2, 2, 2, 4}, 64, 0.1), "celeba64", 78'700'803);
}

TEST(UNetTest, Lsun256NamesShapesAndCountMatchOfficial) {
  expectMatchesKeymap(paperConfig({1, 1, 2, 2, 4, 4}, 256, 0.0), "lsun256", 113'673'219);
}

// The shapes the loader checks before building a network: the official key lists, and what the
// network registers for smaller configs (pooled resampling, attention at several levels).
TEST(UNetTest, WeightShapesWithoutBuildingMatchOfficialAndBuilt) {
  const std::pair<UNetConfig, std::string> paper[] = {
      {paperConfig({1, 2, 2, 2}, 32, 0.1), "cifar10"},
      {paperConfig({1, 2, 2, 2, 4}, 64, 0.1), "celeba64"},
      {paperConfig({1, 1, 2, 2, 4, 4}, 256, 0.0), "lsun256"}};
  for (const auto& [config, keymap] : paper) {
    const auto shapes = unetWeightShapes(config);
    const std::vector<testing::KeyListEntry> expected = testing::readKeyList(keymap);
    ASSERT_EQ(shapes.size(), expected.size()) << keymap;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(shapes[i].first, expected[i].official) << keymap << " entry " << i;
      EXPECT_EQ(shapes[i].second, expected[i].shape) << expected[i].official;
    }
  }
  UNetConfig small;
  small.ch = 32;
  small.chMult = {1, 2, 3};
  small.numResBlocks = 2;
  small.attnResolutions = {16, 4};
  small.resolution = 16;
  small.inChannels = 1;
  small.outCh = 2;
  for (const bool withConv : {true, false}) {
    small.resampWithConv = withConv;
    torch::NoGradGuard noGrad;
    UNet model(small);
    const auto params = model->named_parameters();
    const auto shapes = unetWeightShapes(small);
    ASSERT_EQ(shapes.size(), params.size() + model->named_buffers().size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      EXPECT_EQ(shapes[i].first, params[i].key());
      EXPECT_EQ(shapes[i].second, params[i].value().sizes().vec()) << shapes[i].first;
    }
  }
}

TEST(UNetTest, NoConvResamplingHasNoResampleParameters) {
  UNet model(goldenConfigB());
  for (const auto& p : model->named_parameters()) {
    EXPECT_EQ(p.key().find("sample"), std::string::npos) << p.key();
  }
}

TEST(UNetTest, RejectsConfigsThatCannotBuild) {
  UNetConfig badCh = goldenConfigA();
  badCh.ch = 48;  // GroupNorm(32, 48) is impossible
  EXPECT_THROW(UNet{badCh}, Error);
  UNetConfig narrow = goldenConfigA();
  narrow.ch = 16;  // ch * ch_mult would pass with ch_mult {2, 2}, but conv_in is 16 wide
  narrow.chMult = {2, 2};
  EXPECT_THROW(UNet{narrow}, Error);
  UNetConfig badRes = goldenConfigB();
  badRes.resolution = 18;  // three levels need a multiple of 4
  EXPECT_THROW(UNet{badRes}, Error);
  UNetConfig noLevels = goldenConfigA();
  noLevels.chMult.clear();
  EXPECT_THROW(UNet{noLevels}, Error);
}

TEST(UNetTest, RejectsInputsOfTheWrongShape) {
  UNet model(goldenConfigA());
  torch::NoGradGuard noGrad;
  EXPECT_THROW(model->forward(torch::zeros({1, 4, 16, 16}), torch::zeros({1})), c10::Error);
  EXPECT_THROW(model->forward(torch::zeros({2, 3, 16, 16}), torch::zeros({3})), c10::Error);
  EXPECT_THROW(model->forward(torch::zeros({1, 3, 17, 17}), torch::zeros({1})), c10::Error);
}

// ---- timestep embedding

TEST(UNetTest, TimestepEmbeddingMatchesClosedForm) {
  // dim 6: half 3, f = ln(1e4) / 2, frequencies exp(-f k) = 1, 1e-2, 1e-4.
  const std::vector<double> ts = {0.0, 1.0, 250.0, 999.0};
  const std::vector<double> freqs = {1.0, 1e-2, 1e-4};
  const torch::Tensor t = torch::tensor({0.0F, 1.0F, 250.0F, 999.0F});
  for (int64_t dim : {6, 7}) {
    const torch::Tensor emb = timestepEmbedding(t, dim);
    ASSERT_EQ(emb.sizes(), (std::vector<int64_t>{4, dim}));
    for (size_t b = 0; b < ts.size(); ++b) {
      for (size_t k = 0; k < 3; ++k) {
        const auto row = static_cast<int64_t>(b);
        const auto col = static_cast<int64_t>(k);
        EXPECT_NEAR(emb[row][col].item<double>(), std::sin(ts[b] * freqs[k]), 2e-5);
        EXPECT_NEAR(emb[row][col + 3].item<double>(), std::cos(ts[b] * freqs[k]), 2e-5);
      }
      if (dim == 7) {
        EXPECT_EQ(emb[static_cast<int64_t>(b)][6].item<float>(), 0.0F);
      }
    }
  }
}

TEST(UNetTest, TimestepEmbeddingMatchesReferenceAndAcceptsIntegers) {
  const StateDict file = readSafetensors(goldenPath());
  const torch::Tensor& t = golden(file, "temb.t");
  for (int64_t dim : {5, 7, 128}) {
    expectClose(timestepEmbedding(t, dim), golden(file, "temb.dim" + std::to_string(dim)), 1e-6,
                "dim " + std::to_string(dim));
  }
  EXPECT_TRUE(torch::equal(timestepEmbedding(t.to(torch::kLong), 128), timestepEmbedding(t, 128)));
}

// Golden config `prefix` ("a" or "b") with the reference weights, in eval mode.
UNet goldenModel(const StateDict& file, const std::string& prefix) {
  UNet model(prefix == "a" ? goldenConfigA() : goldenConfigB());
  loadGeneratedWeights(model, file, prefix);
  model->eval();
  return model;
}

// ---- numerics against the independent PyTorch reference

TEST(UNetTest, MatchesReferenceConvResamplingAttentionAtLowerLevel) {
  expectGoldenOutput(goldenConfigA(), "a");
}

TEST(UNetTest, MatchesReferencePoolResamplingAttentionAtTopLevel) {
  expectGoldenOutput(goldenConfigB(), "b");
}

TEST(UNetTest, MatchesReferenceUnderInferenceMode) {
  const StateDict file = readSafetensors(goldenPath());
  UNet model(goldenConfigA());
  loadGeneratedWeights(model, file, "a");
  model->eval();
  c10::InferenceMode guard;
  const torch::Tensor out = model->forward(golden(file, "a.x"), golden(file, "a.t"));
  expectClose(out, golden(file, "a.out"), 1e-5, "inference mode");
}

TEST(UNetTest, MatchesReferenceWithoutOneDnn) {
  // The stock convolution path (no oneDNN, no packed weights) computes the same function.
  struct OneDnnOff {
    bool was = at::globalContext().userEnabledMkldnn();
    OneDnnOff() { at::globalContext().setUserEnabledMkldnn(false); }
    ~OneDnnOff() { at::globalContext().setUserEnabledMkldnn(was); }
  } off;
  expectGoldenOutput(goldenConfigA(), "a");
  expectGoldenOutput(goldenConfigB(), "b");
}

// bf16 convolutions against PyTorch's float32 output for the same weights and input: bf16 keeps 8
// bits of mantissa (relative rounding 2^-9 = 0.2 % per value); through the network's convolutions
// the output's RMS error stays under 1 % of its RMS (measured: about 0.3 %). Not bit-equal either:
// the bf16 path really ran. Afterwards float32 gives the golden output again.
TEST(UNetTest, Bf16OutputAgreesWithReferenceWithinOnePercent) {
  const StateDict file = readSafetensors(goldenPath());
  for (const std::string prefix : {"a", "b"}) {
    UNet model = goldenModel(file, prefix);
    c10::InferenceMode guard;
    const torch::Tensor& x = golden(file, prefix + ".x");
    const torch::Tensor& t = golden(file, prefix + ".t");
    const torch::Tensor expected = golden(file, prefix + ".out").to(torch::kDouble);
    model->setPrecision(Precision::kBf16);
    const torch::Tensor out = model->forward(x, t);
    EXPECT_EQ(out.scalar_type(), torch::kFloat) << prefix;
    const double rel = (out.to(torch::kDouble) - expected).square().mean().sqrt().item<double>() /
                       expected.square().mean().sqrt().item<double>();
    EXPECT_LT(rel, 1e-2) << "config " << prefix;
    EXPECT_GT(rel, 1e-5) << "config " << prefix << ": bf16 gave float32's result";
    // forwardIn overrides the setting for one call; forward() then follows setPrecision again.
    expectClose(model->forwardIn(x, t, Precision::kFp32), expected, 1e-5, "fp32 after bf16");
    EXPECT_TRUE(torch::equal(model->forward(x, t), out)) << prefix;
    model->setPrecision(Precision::kFp32);
    expectClose(model->forward(x, t), expected, 1e-5, "fp32 again");
  }
}

TEST(UNetTest, ReducedPrecisionLeavesTrainingInFloat32) {
  // With autograd recording, the convolutions keep float32 whatever the setting.
  const StateDict file = readSafetensors(goldenPath());
  UNet model(goldenConfigA());
  loadGeneratedWeights(model, file, "a");
  model->eval();
  model->setPrecision(Precision::kBf16);
  const torch::Tensor out = model->forward(golden(file, "a.x"), golden(file, "a.t"));
  EXPECT_TRUE(out.requires_grad());
  expectClose(out.detach(), golden(file, "a.out"), 1e-5, "with autograd");
}

// CPU inference keeps activations channels-last and, for oneDNN, rearranges the convolution
// weights' strides in place (one copy, no second). Nothing else may notice: the parameters keep
// their values, and training afterwards computes the same outputs and gradients as a network
// that never ran inference.
TEST(UNetTest, InferenceLeavesParametersAndTrainingAsTheyWere) {
  const StateDict file = readSafetensors(goldenPath());
  UNetConfig config = goldenConfigB();
  config.dropout = 0.0;
  UNet used(config);
  UNet fresh(config);
  loadGeneratedWeights(used, file, "b");
  loadGeneratedWeights(fresh, file, "b");
  const torch::Tensor& x = golden(file, "b.x");
  const torch::Tensor& t = golden(file, "b.t");
  used->eval();
  {
    torch::NoGradGuard noGrad;
    expectClose(used->forward(x, t), golden(file, "b.out"), 1e-5, "inference");
  }
  if (at::hasMKLDNN()) {  // the case this test is about did happen
    EXPECT_TRUE(
        used->named_parameters()["conv_in.weight"].is_contiguous(at::MemoryFormat::ChannelsLast));
  }
  const auto freshParams = fresh->named_parameters();
  for (const auto& p : used->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), freshParams[p.key()])) << p.key();
  }
  used->train();
  fresh->train();
  const torch::Tensor xs = torch::cat({x, x.flip(0)});
  const torch::Tensor ts = torch::cat({t, t});
  const torch::Tensor outUsed = used->forward(xs, ts);
  const torch::Tensor outFresh = fresh->forward(xs, ts);
  expectClose(outUsed.detach(), outFresh.detach(), 1e-5, "training forward");
  outUsed.square().mean().backward();
  outFresh.square().mean().backward();
  for (const auto& p : used->named_parameters()) {
    expectClose(p.value().grad(), freshParams[p.key()].grad(), 1e-5, "gradient of " + p.key());
  }
}

TEST(UNetTest, GradientsFlowInTrainingMode) {
  // The in-place fast paths must stay out of the way of autograd.
  torch::manual_seed(0);
  UNet model(goldenConfigB());
  const torch::Tensor x = torch::randn({2, 4, 16, 16});
  model->forward(x, torch::tensor({1.0F, 2.0F})).square().mean().backward();
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
  }
  EXPECT_GT(model->named_parameters()["conv_in.weight"].grad().abs().sum().item<double>(), 0.0);
}

// ---- behaviour

TEST(UNetTest, DropoutOnlyInTraining) {
  const StateDict file = readSafetensors(goldenPath());
  UNetConfig config = goldenConfigA();
  config.dropout = 0.5;
  UNet withDropout(config);
  loadGeneratedWeights(withDropout, file, "a");
  const torch::Tensor& x = golden(file, "a.x");
  const torch::Tensor& t = golden(file, "a.t");
  torch::NoGradGuard noGrad;

  withDropout->eval();
  const torch::Tensor first = withDropout->forward(x, t);
  EXPECT_TRUE(torch::equal(first, withDropout->forward(x, t)));
  // Dropout 0.5 in eval() is the same function as the golden model (dropout 0.1, eval).
  expectClose(first, golden(file, "a.out"), 1e-5, "eval with dropout 0.5");

  withDropout->train();
  torch::manual_seed(0);
  const torch::Tensor trained = withDropout->forward(x, t);
  EXPECT_GT((trained - first).abs().max().item<double>(), 1e-3);
}

TEST(UNetTest, OutputShapeAndPerSampleResultsForAnyBatchSize) {
  const StateDict file = readSafetensors(goldenPath());
  UNet model(goldenConfigB());
  loadGeneratedWeights(model, file, "b");
  model->eval();
  torch::NoGradGuard noGrad;
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({5, 4, 16, 16});
  const torch::Tensor t = torch::tensor({0.0F, 10.0F, 100.0F, 500.0F, 999.0F});
  const torch::Tensor all = model->forward(x, t);
  ASSERT_EQ(all.sizes(), (std::vector<int64_t>{5, 2, 16, 16}));
  for (int64_t b : {1, 3}) {
    const torch::Tensor part = model->forward(x.slice(0, 0, b), t.slice(0, 0, b));
    ASSERT_EQ(part.sizes(), (std::vector<int64_t>{b, 2, 16, 16}));
    expectClose(part, all.slice(0, 0, b), 1e-5, "batch " + std::to_string(b));
  }
  // One timestep for the whole batch.
  const torch::Tensor shared = model->forward(x.slice(0, 0, 3), torch::tensor({100.0F}));
  expectClose(shared, model->forward(x.slice(0, 0, 3), torch::full({3}, 100.0F)), 0.0,
              "broadcast t");
}

// Batching must not change an image's result in reduced precision either (one image and five
// differ in the pixels each convolution sees, which may pick another oneDNN kernel).
TEST(UNetTest, Bf16PerSampleResultsForAnyBatchSize) {
  const StateDict file = readSafetensors(goldenPath());
  for (const std::string prefix : {"a", "b"}) {
    UNet model = goldenModel(file, prefix);
    model->setPrecision(Precision::kBf16);
    torch::NoGradGuard noGrad;
    torch::manual_seed(3);
    const int64_t in = prefix == "a" ? 3 : 4;
    const torch::Tensor x = torch::randn({5, in, 16, 16});
    const torch::Tensor t = torch::tensor({0.0F, 10.0F, 100.0F, 500.0F, 999.0F});
    const torch::Tensor all = model->forward(x, t);
    const torch::Tensor one = model->forward(x.slice(0, 0, 1), t.slice(0, 0, 1));
    const double scale = all.abs().max().item<double>();
    expectClose(one, all.slice(0, 0, 1), 2e-2 * scale, prefix + ": batch 1 against batch 5");
  }
}

// The tests' tiny model at 8x8 and at 16x16 (the window's tests' size): each image alone and in
// a batch of three gives bit-identical results. Not merely close: a few sampling steps amplify a
// rounding difference (the first divides by sqrt(alpha-bar) ~ 0.006), so a filmstrip frame
// sampled in a batch must be the one the slider samples alone. The batch of three has three
// times the pixels of one image, which is where a convolution path chosen by the batch's pixels
// rather than the image's would switch kernels (and round differently) between the two.
TEST(UNetTest, TinyModelGivesEachImageTheSameResultAloneOrInABatch) {
  for (const int64_t size : {8, 16}) {
    for (const Precision precision : {Precision::kFp32, Precision::kBf16}) {
      torch::manual_seed(5);
      UNet model(testing::tinyConfig().model);
      model->eval();
      model->setPrecision(precision);
      c10::InferenceMode inference;  // as the sampler runs it
      const torch::Tensor x = torch::randn({3, 3, size, size});
      const torch::Tensor t = torch::tensor({10.0F, 50.0F, 90.0F});
      const torch::Tensor all = model->forward(x, t);
      for (int64_t i = 0; i < 3; ++i) {
        expectClose(
            model->forward(x.slice(0, i, i + 1), t.slice(0, i, i + 1)), all.slice(0, i, i + 1), 0.0,
            toString(precision) + ", " + std::to_string(size) + " px, image " + std::to_string(i));
      }
    }
  }
}

// A float32 call (inversion, whatever the setting) between reduced-precision ones changes the
// weights' strides; the reduced copies made before and after must agree.
TEST(UNetTest, MixingPrecisionsKeepsEachOnesResults) {
  torch::manual_seed(5);
  UNet mixed(testing::tinyConfig().model);
  torch::manual_seed(5);
  UNet plain(testing::tinyConfig().model);
  mixed->eval();
  plain->eval();
  c10::InferenceMode inference;
  const torch::Tensor x = torch::randn({3, 3, 8, 8});
  const torch::Tensor t = torch::tensor({10.0F, 50.0F, 90.0F});
  const torch::Tensor one = x.slice(0, 0, 1), tOne = t.slice(0, 0, 1);
  const torch::Tensor bf16One = plain->forwardIn(one, tOne, Precision::kBf16);
  const torch::Tensor bf16All = plain->forwardIn(x, t, Precision::kBf16);
  (void)mixed->forwardIn(one, tOne, Precision::kBf16);
  (void)mixed->forwardIn(x, t, Precision::kFp32);
  expectClose(mixed->forwardIn(one, tOne, Precision::kBf16), bf16One, 0.0, "bf16, batch 1");
  expectClose(mixed->forwardIn(x, t, Precision::kBf16), bf16All, 0.0, "bf16, batch 3");
  (void)mixed->forwardIn(one, tOne, Precision::kFp32);
  expectClose(mixed->forwardIn(x, t, Precision::kFp32), plain->forwardIn(x, t, Precision::kFp32),
              1e-5, "fp32, batch 3");
}

// Float32 inference on small images keeps each convolution's weight arranged for oneDNN, for one
// image size at a time. A model used at 16 px, then at 8 px, then (after its weights changed in
// place, as loading new weights does) at 16 px again gives bit for bit what a model that only
// ever saw those weights at that size gives, and each result agrees with the stock convolutions
// (oneDNN off, a third model) to float32 rounding.
TEST(UNetTest, ArrangedWeightsFollowTheImageSizeAndTheWeights) {
  const auto seeded = [] {
    torch::manual_seed(5);
    UNet model(testing::tinyConfig().model);
    model->eval();
    return model;
  };
  UNet used = seeded(), fresh = seeded(), stock = seeded();
  const auto scaleWeights = [](UNet& model) {
    const torch::NoGradGuard noGrad;
    for (auto& p : model->parameters()) p.mul_(1.25);
  };
  const auto run = [](UNet& model, const torch::Tensor& x, const torch::Tensor& t, bool oneDnn) {
    const bool was = at::globalContext().userEnabledMkldnn();
    at::globalContext().setUserEnabledMkldnn(oneDnn);
    torch::Tensor out;
    {
      c10::InferenceMode inference;  // as the sampler runs it
      out = model->forward(x, t);
    }
    at::globalContext().setUserEnabledMkldnn(was);
    return out;
  };
  const torch::Tensor x16 = torch::randn({2, 3, 16, 16});
  const torch::Tensor x8 = torch::randn({2, 3, 8, 8});
  const torch::Tensor t = torch::tensor({10.0F, 90.0F});

  const torch::Tensor before16 = run(used, x16, t, true);
  const torch::Tensor before8 = run(used, x8, t, true);
  expectClose(before16, run(stock, x16, t, false), 1e-5, "16 px against the stock convolutions");
  expectClose(before8, run(stock, x8, t, false), 1e-5, "8 px against the stock convolutions");
  scaleWeights(used);
  scaleWeights(fresh);
  scaleWeights(stock);
  const torch::Tensor after16 = run(used, x16, t, true);
  expectClose(after16, run(fresh, x16, t, true), 0.0, "16 px after the weights changed");
  expectClose(after16, run(stock, x16, t, false), 1e-5, "16 px after, against the stock ones");
  EXPECT_GT((after16 - before16).abs().max().item<float>(), 1e-3F) << "the weights did change";
}

TEST(UNetTest, RunsOnCudaLikeOnCpu) {
  if (!torch::cuda::is_available()) {
    GTEST_SKIP() << "no CUDA device";
  }
  const StateDict file = readSafetensors(goldenPath());
  UNet model(goldenConfigA());
  loadGeneratedWeights(model, file, "a");
  model->eval();
  model->to(torch::kCUDA);
  struct Tf32Off {  // TF32 convolutions would round to 10-bit mantissas
    bool was = at::globalContext().allowTF32CuDNN();
    Tf32Off() { at::globalContext().setAllowTF32CuDNN(false); }
    ~Tf32Off() { at::globalContext().setAllowTF32CuDNN(was); }
  } off;
  c10::InferenceMode guard;
  const torch::Tensor out =
      model->forward(golden(file, "a.x").to(torch::kCUDA), golden(file, "a.t").to(torch::kCUDA));
  EXPECT_TRUE(out.is_cuda());
  expectClose(out, golden(file, "a.out"), 1e-4, "CUDA");
}

}  // namespace
}  // namespace ddim
