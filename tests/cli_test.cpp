// Runs the real `ddim` executable end to end on a tiny model made here.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/cuda.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <opencv2/videoio.hpp>
#include <regex>

#include "diffusion/edit.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "io/atomic_file.h"
#include "io/image_io.h"
#include "io/mask.h"
#include "io/npy.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "model/unet.h"
#include "test_paths.h"
#include "tiny_config.h"

namespace ddim {
namespace {
namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, several at once: one folder per process.
    dir = new fs::path(fs::temp_directory_path() / ("ddim_cli_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir);
    fs::create_directories(*dir / "model");
    const ModelConfig c = testing::tinyConfig();
    saveModelConfig(c, (*dir / "model" / "config.yml").string());
    torch::manual_seed(11);
    UNet net(c.model);
    writeSafetensors((*dir / "model" / "model.safetensors").string(), stateDictOf(*net));
    writeModelImagePng((*dir / "a.png").string(), at::rand({1, 3, 12, 16}) * 2 - 1);
    writeModelImagePng((*dir / "b.png").string(), at::rand({1, 3, 8, 8}) * 2 - 1);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir);
    delete dir;
  }

  static std::string path(const std::string& name) { return (*dir / name).string(); }
  // fp32: these tests compare with the library's float32 results (default auto may pick bf16).
  static std::string model() {
    return "--model " + path("model") + " --threads 1 --precision fp32";
  }

  static Result run(const std::string& args) {
    Result r;
    const std::string cmd =
        testing::cliPath() + " " + args + " >" + path("stdout") + " 2>" + path("stderr");
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = readFileBytes(path("stdout"));
    r.err = readFileBytes(path("stderr"));
    return r;
  }

  static LoadedModel loaded() { return loadModel(ModelSource{path("model"), "", ""}, at::kCPU); }

  static fs::path* dir;
};
fs::path* CliTest::dir = nullptr;

TEST_F(CliTest, EpsEvaluatesTheNetworkPerItem) {
  const at::Tensor x = seededNoise({2, 3, 8, 8}, 1, at::kCPU);
  writeNpy(path("x.npy"), x);
  const Result r =
      run("eps " + model() + " --input " + path("x.npy") + " --t 5,60 --out " + path("e.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  const LoadedModel m = loaded();
  EXPECT_TRUE(at::allclose(readNpy(path("e.npy")), m.denoiser.net(x, at::tensor({5.0f, 60.0f})),
                           1e-5, 1e-5));
  ASSERT_EQ(
      run("eps " + model() + " --input " + path("x.npy") + " --t 7 --out " + path("e1.npy")).status,
      0);
  EXPECT_TRUE(at::allclose(readNpy(path("e1.npy")), m.denoiser.net(x, at::tensor({7.0f, 7.0f})),
                           1e-5, 1e-5));
  EXPECT_EQ(
      run("eps " + model() + " --input " + path("x.npy") + " --t 1,2,3 --out " + path("e2.npy"))
          .status,
      2);
}

TEST_F(CliTest, SampleFromNoiseMatchesTheLibraryAndSeedsRepeat) {
  const at::Tensor noise = seededNoise({2, 3, 8, 8}, 5, at::kCPU);
  writeNpy(path("noise.npy"), noise);
  Result r = run("sample " + model() + " --noise " + path("noise.npy") +
                 " --steps 10 --skip quad --out " + path("s.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  SampleOptions o;
  o.steps = 10;
  o.skip = SkipType::kQuad;
  EXPECT_TRUE(at::allclose(readNpy(path("s.npy")),
                           sample(loaded().denoiser, loaded().schedule, noise, o), 1e-5, 1e-5));

  ASSERT_EQ(
      run("sample " + model() + " --seed 3 --count 3 --steps 4 --eta 0.5 --out " + path("s1.npy"))
          .status,
      0);
  ASSERT_EQ(run("sample " + model() + " --seed 3 --count 3 --steps 4 --eta 0.5 --quiet --out " +
                path("s2.npy"))
                .status,
            0);
  const at::Tensor s1 = readNpy(path("s1.npy"));
  EXPECT_EQ(s1.sizes(), (std::vector<int64_t>{3, 3, 8, 8}));
  EXPECT_TRUE(at::equal(s1, readNpy(path("s2.npy"))));

  r = run("sample " + model() + " --seed 3 --count 2 --steps 4 --clip --out " + path("s.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(readImage(path("s.png")).size(2), 16);     // a grid, scaled up
  EXPECT_NE(r.err.find("sample"), std::string::npos);  // progress on stderr
  r = run("sample " + model() + " --seed 3 --steps 4 --sigma-hat --quiet --out " + path("sh.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliTest, InvertWritesLatentAndReconstruction) {
  const Result r = run("invert " + model() + " --image " + path("a.png") + " --steps 20 --out " +
                       path("z.npy") + " --recon " + path("r.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(readNpy(path("z.npy")).sizes(), (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_EQ(readImage(path("r.png")).sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_NE(r.out.find("reconstruction: mse"), std::string::npos) << r.out;
}

TEST_F(CliTest, InterpolateAndCompareWritePictures) {
  writeNpy(path("zb.npy"), seededNoise({1, 3, 8, 8}, 9, at::kCPU));
  Result r =
      run("interpolate " + model() + " --from " + path("b.png") + " --to " + path("zb.npy") +
          " --frames 4 --steps 5 --out " + path("strip.png") + " --npy-out " + path("frames.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(readNpy(path("frames.npy")).size(0), 4);
  const at::Tensor strip = readImage(path("strip.png"));
  EXPECT_GT(strip.size(2), 3 * strip.size(1) / 2);  // wider than tall: one row

  r = run("compare " + model() + " --seed 2 --steps 2,5,10 --out " + path("grid.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("S=2"), std::string::npos);
  EXPECT_NE(r.out.find("S=10  "), std::string::npos);
  EXPECT_NE(r.out.find("reference"), std::string::npos);
  EXPECT_TRUE(fs::exists(path("grid.png")));
}

// `interpolate --out X.mp4` writes the decoded frames as a video, upscaled to watch, quietly.
TEST_F(CliTest, InterpolateWritesAVideo) {
  writeNpy(path("va.npy"), seededNoise({1, 3, 8, 8}, 21, at::kCPU));
  writeNpy(path("vb.npy"), seededNoise({1, 3, 8, 8}, 22, at::kCPU));
  const std::string latents = " --from " + path("va.npy") + " --to " + path("vb.npy");
  Result r = run("interpolate " + model() + latents + " --frames 5 --steps 3 --quiet --out " +
                 path("frames.mp4"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // no OpenCV or FFmpeg chatter
  ASSERT_TRUE(fs::exists(path("frames.mp4")));
  EXPECT_GT(fs::file_size(path("frames.mp4")), 1000u);
  cv::VideoCapture video(path("frames.mp4"), cv::CAP_FFMPEG);
  ASSERT_TRUE(video.isOpened());
  int frames = 0;
  cv::Mat frame;
  while (video.read(frame)) {
    ++frames;
    EXPECT_EQ(frame.cols, 256);  // 8 px frames, scaled 32x
    EXPECT_EQ(frame.rows, 256);
  }
  EXPECT_EQ(frames, 5);
  for (const auto& entry : fs::directory_iterator(*dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  // A folder that is not there: exit 1 with one line naming the file.
  r = run("interpolate " + model() + latents + " --frames 3 --steps 2 --quiet --out " +
          path("nowhere/frames.mp4"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(path("nowhere/frames.mp4")), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Progress into a log (stderr is a file here): plain lines, a handful, with believable rates.
TEST_F(CliTest, ProgressInALogIsAFewPlainLines) {
  const Result r = run("sample " + model() + " --seed 1 --steps 50 --out " + path("p.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  const auto lines = std::count(r.err.begin(), r.err.end(), '\n');
  EXPECT_GE(lines, 3) << r.err;  // the model, progress, done
  EXPECT_LE(lines, 13) << r.err;
  EXPECT_NE(r.err.find("done in"), std::string::npos) << r.err;
  const std::regex rate("([0-9.]+) it/s");
  int rates = 0;
  for (auto it = std::sregex_iterator(r.err.begin(), r.err.end(), rate);
       it != std::sregex_iterator(); ++it, ++rates)
    EXPECT_LT(std::stod((*it)[1].str()), 1e6) << r.err;
  EXPECT_GT(rates, 0) << r.err;
}

// `ddim export --half` writes a float16 copy that loads as the same network; `--guide-model`
// with `--guidance W` samples with guide + W (model - guide), as the library does.
TEST_F(CliTest, ExportHalfAndSampleWithAGuide) {
  fs::create_directories(path("other"));
  saveModelConfig(testing::tinyConfig(), path("other/config.yml"));
  torch::manual_seed(12);
  UNet other(testing::tinyConfig().model);
  writeSafetensors(path("other/model.safetensors"), stateDictOf(*other));
  Result r = run("export --model " + path("other") + " --half --quiet --out " + path("guide16"));
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& [name, t] : readSafetensors(path("guide16/model.safetensors")))
    EXPECT_EQ(t.scalar_type(), at::kHalf) << name;
  const LoadedModel guide = loadModel(ModelSource{path("guide16"), "", ""}, at::kCPU);
  const LoadedModel full = loadModel(ModelSource{path("other"), "", ""}, at::kCPU);
  const at::Tensor x = seededNoise({2, 3, 8, 8}, 4, at::kCPU);
  const at::Tensor t = at::tensor({3.0f, 70.0f});
  EXPECT_TRUE(at::allclose(guide.denoiser.net(x, t), full.denoiser.net(x, t), 0.02, 0.02));
  // Never over an existing folder's files.
  r = run("export " + model() + " --out " + path("guide16"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("never overwrites"), std::string::npos) << r.err;
  EXPECT_TRUE(
      at::equal(loadModel(ModelSource{path("guide16"), "", ""}, at::kCPU).denoiser.net(x, t),
                guide.denoiser.net(x, t)));

  const at::Tensor noise = seededNoise({2, 3, 8, 8}, 6, at::kCPU);
  writeNpy(path("gnoise.npy"), noise);
  r = run("sample " + model() + " --guide-model " + path("guide16") + " --guidance 3 --noise " +
          path("gnoise.npy") + " --steps 5 --out " + path("g.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("guide: "), std::string::npos) << r.err;
  SampleOptions o;
  o.steps = 5;
  const at::Tensor want =
      sample(guidedDenoiser(loaded().denoiser, guide.denoiser, 3.0), loaded().schedule, noise, o);
  const at::Tensor plain = sample(loaded().denoiser, loaded().schedule, noise, o);
  EXPECT_TRUE(at::allclose(readNpy(path("g.npy")), want, 1e-4, 1e-4));
  EXPECT_FALSE(at::allclose(want, plain, 1e-2, 1e-2));
  // --guide-model without --guidance: weight 2; --guidance 1: the model alone.
  ASSERT_EQ(
      run("sample " + model() + " --guide-model " + path("guide16") + " --guidance 1 --noise " +
          path("gnoise.npy") + " --steps 5 --out " + path("g1.npy"))
          .status,
      0);
  EXPECT_TRUE(at::allclose(readNpy(path("g1.npy")), plain, 1e-5, 1e-5));
  r = run("info " + model() + " --guide-model " + path("guide16"));
  EXPECT_NE(r.out.find("guidance: 2"), std::string::npos) << r.out;

  r = run("sample " + model() + " --guidance 2 --seed 1 --steps 5 --out " + path("x.npy"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--guide-model"), std::string::npos) << r.err;
  r = run("compare " + model() + " --guide-model " + path("guide16") +
          " --guidance 2.5 --seed 2 --steps 2,5 --out " + path("ggrid.png"));
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(CliTest, BenchPrintsTimings) {
  const Result r = run("bench --config " + path("model/config.yml") +
                       " --batch 2 --steps 3 --calls 2 --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("network call, batch 2: median"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sample, 3 steps, batch 2"), std::string::npos) << r.out;
}

TEST_F(CliTest, BenchSaysItsPrecisionAndPeakMemory) {
  const Result r = run("bench --config " + path("model/config.yml") +
                       " --steps 2 --calls 2 --threads 1 --precision bf16 --solver dpm++2m");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("precision: bf16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("peak RSS: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sample, 2 steps (dpm++2m)"), std::string::npos) << r.out;
}

// --precision: what runs is said by `info`, and `sample` gives the library's result for it.
TEST_F(CliTest, PrecisionIsChosenReportedAndUsed) {
  const std::string plain = "--model " + path("model") + " --threads 1";
  Result r = run("info " + plain + " --precision fp16");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("precision: fp32 (fp16 falls back to fp32"), std::string::npos) << r.out;
  r = run("info " + plain);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(cpuHasAvx512Bf16() ? "precision: bf16 (auto" : "precision: fp32 (auto"),
            std::string::npos)
      << r.out;
  r = run("info " + plain + " --precision half");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown precision 'half'"), std::string::npos) << r.err;

  const at::Tensor noise = seededNoise({2, 3, 8, 8}, 5, at::kCPU);
  writeNpy(path("pnoise.npy"), noise);
  r = run("sample " + plain + " --precision bf16 --quiet --noise " + path("pnoise.npy") +
          " --steps 10 --out " + path("pb.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  LoadedModel m = loaded();
  SampleOptions o;
  o.steps = 10;
  const at::Tensor fp32 = sample(m.denoiser, m.schedule, noise, o);
  applyPrecision(m, Precision::kBf16);
  const at::Tensor bf16 = readNpy(path("pb.npy"));
  EXPECT_TRUE(at::allclose(bf16, sample(m.denoiser, m.schedule, noise, o), 1e-5, 1e-5));
  EXPECT_FALSE(at::equal(bf16, fp32));
}

TEST_F(CliTest, SolverOptionRunsDpmSolverAndRefusesEta) {
  const at::Tensor noise = seededNoise({2, 3, 8, 8}, 6, at::kCPU);
  writeNpy(path("dnoise.npy"), noise);
  Result r = run("sample " + model() + " --quiet --noise " + path("dnoise.npy") +
                 " --steps 10 --solver dpm++2m --out " + path("d.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  SampleOptions o;
  o.steps = 10;
  o.kind = SamplerKind::kDpmSolverPP2M;
  EXPECT_TRUE(at::allclose(readNpy(path("d.npy")),
                           sample(loaded().denoiser, loaded().schedule, noise, o), 1e-5, 1e-5));
  r = run("sample " + model() + " --seed 1 --steps 10 --solver dpm++2m --eta 0.5 --out " +
          path("d2.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("dpm++2m is deterministic: eta must be 0"), std::string::npos) << r.err;
  r = run("sample " + model() + " --seed 1 --steps 10 --solver dpm++2m --sigma-hat --out " +
          path("d3.npy"));
  EXPECT_EQ(r.status, 2) << r.err;
  r = run("sample " + model() + " --seed 1 --steps 10 --solver heun --out " + path("d4.npy"));
  EXPECT_EQ(r.status, 2) << r.err;
  r = run("compare " + model() + " --quiet --seed 2 --steps 2,5 --solver dpm++2m --out " +
          path("dgrid.png"));
  EXPECT_EQ(r.status, 0) << r.err;
  r = run("edit " + model() + " --quiet --image " + path("a.png") +
          " --strength 0.6 --steps 10 --solver dpm++2m --out " + path("de.npy"));
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(CliTest, TrainStopsAtItsTimeLimitAndResumeRunsToTheEndWithoutIt) {
  fs::create_directories(path("train_data"));
  for (int i = 0; i < 3; ++i)
    writeModelImagePng(path("train_data/" + std::to_string(i) + ".png"),
                       at::rand({1, 3, 8, 8}) * 2 - 1);
  const std::string net =
      " --image-size 8 --ch 32 --ch-mult 1,2 --num-res-blocks 1 --attn none --batch 2 --threads 1";
  Result r = run("train --data " + path("train_data") + " --out " + path("trained") + net +
                 " --steps 3 --max-minutes 0.000001");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("(time limit)"), std::string::npos) << r.out;
  // --max-minutes limits one invocation: a resumed run without it trains to --steps.
  r = run("train --resume " + path("trained") + " --threads 1 --steps 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("..3;"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("(time limit)"), std::string::npos) << r.out;
  EXPECT_EQ(run("sample --model " + path("trained") + " --threads 1 --seed 1 --steps 2 --out " +
                path("trained.png"))
                .status,
            0);
}

TEST_F(CliTest, TrainsTheBundledModelsNetworkByDefault) {
  fs::create_directories(path("default_data"));
  for (int i = 0; i < 2; ++i)
    writeModelImagePng(path("default_data/" + std::to_string(i) + ".png"),
                       at::rand({1, 3, 32, 32}) * 2 - 1);
  const Result r = run("train --data " + path("default_data") + " --out " + path("default_net") +
                       " --steps 1 --batch 2 --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  const ModelConfig trained = loadModelConfig(path("default_net/config.yml"));
  const ModelConfig bundled = loadModelConfig(defaultModelFolder() + "/config.yml");
  EXPECT_EQ(trained.imageSize, bundled.imageSize);
  EXPECT_EQ(trained.model.ch, bundled.model.ch);
  EXPECT_EQ(trained.model.chMult, bundled.model.chMult);
  EXPECT_EQ(trained.model.numResBlocks, bundled.model.numResBlocks);
  EXPECT_EQ(trained.model.attnResolutions, bundled.model.attnResolutions);
  EXPECT_EQ(trained.model.dropout, bundled.model.dropout);
  EXPECT_EQ(trained.diffusion.predictionType, bundled.diffusion.predictionType);
  EXPECT_EQ(trained.diffusion.betaSchedule, bundled.diffusion.betaSchedule);
  EXPECT_EQ(trained.diffusion.numTimesteps, bundled.diffusion.numTimesteps);
  // At another size the default attention moves to that network's lowest resolution.
  const Result r16 = run("train --data " + path("default_data") + " --out " + path("net16") +
                         " --image-size 16 --ch-mult 1,2 --steps 1 --batch 2 --threads 1");
  ASSERT_EQ(r16.status, 0) << r16.err;
  EXPECT_EQ(loadModelConfig(path("net16/config.yml")).model.attnResolutions, std::vector<int>{8});
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
  EXPECT_EQ(run("sample " + model() + " --seed 1 --steps 5").status, 2);  // no --out
  EXPECT_EQ(run("sample " + model() + " --seed 1 --steps five --out x.npy").status, 2);
  EXPECT_EQ(run("sample " + model() + " --seed 1 --steps 5 --colour red --out x.npy").status, 2);
  EXPECT_EQ(run("sample " + model() + " --steps 5 --out x.npy").status, 2);  // no noise source
  EXPECT_EQ(run("sample " + model() + " --seed 1 --steps 5 --skip cubic --out x.npy").status, 2);
  const Result r = run("invert " + model() + " --image a.png --out z.npy");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing --steps"), std::string::npos) << r.err;
  EXPECT_EQ(run("--help").status, 0);
}

// CLI11 parses: --name=value, ranges, help for every command, and the exit-code contract.
TEST_F(CliTest, OptionFormsHelpAndRangeChecks) {
  Result r = run("sample " + model() + " --seed=1 --steps=3 --quiet --out=" + path("eq.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(path("eq.npy")));
  r = run("sample " + model() + " --seed 1 --steps 3 --eta 1.5 --out " + path("x.npy"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("ddim sample: usage error: --eta"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[0, 1]"), std::string::npos) << r.err;
  r = run("sample " + model() + " --seed 1 --steps 0 --out " + path("x.npy"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--steps"), std::string::npos) << r.err;
  r = run("sample " + model() + " --noise " + path("x.npy") + " --count 2 --steps 3 --out " +
          path("x.npy"));
  EXPECT_EQ(r.status, 2);
  r = run("compare " + model() + " --seed 1 --steps 2,0 --out " + path("x.png"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(run("interpolate --frames 1 --from a --to b --steps 2 --out x.png").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
  for (const char* command : {"eps", "sample", "invert", "interpolate", "compare", "bench", "info",
                              "export", "dataset", "train", "evaluate"}) {
    r = run(std::string(command) + " --help");
    EXPECT_EQ(r.status, 0) << command << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("ddim ") + command), std::string::npos) << r.out;
  }
  r = run("--help");
  EXPECT_NE(r.out.find("interpolate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit status"), std::string::npos) << r.out;
}

TEST_F(CliTest, EditHelpNamesTheChoicesAndBenchTimesEdits) {
  Result r = run("edit --help");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("--noise forward|invert"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--iterations N "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(":INT"), std::string::npos) << r.out;  // no CLI11 type suffix
  r = run("bench " + model() + " --steps 10 --calls 1 --edit-runs 1 --edit-counts 1 3");
  ASSERT_EQ(r.status, 0) << r.err;
  // Strength 0.5 over 10 steps of T = 100: t0 = 50, the steps at 50, 40, ..., 0.
  EXPECT_NE(r.out.find("edit, strength 0.5 (t0 = 50, 6 steps down), 10-step sequence, 1 result:"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("10-step sequence, 3 results: median"), std::string::npos) << r.out;
}

TEST_F(CliTest, OtherErrorsExitOneWithOneClearLine) {
  Result r =
      run("sample --model " + path("nowhere") + " --seed 1 --steps 5 --out " + path("x.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(path("nowhere")), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  writeFileAtomic(path("junk.png"), "not a picture");
  r = run("invert " + model() + " --image " + path("junk.png") + " --steps 5 --out " +
          path("z2.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("junk.png"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("z2.npy")));
  r = run("sample " + model() + " --seed 1 --steps 500 --out " + path("x.npy"));  // T = 100
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("steps must be in 1..100"), std::string::npos) << r.err;
  if (!torch::cuda::is_available()) {
    r = run("sample " + model() + " --device cuda --seed 1 --steps 5 --out " + path("x.npy"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("CUDA"), std::string::npos) << r.err;
  }
}

// ddim edit end to end: the library's results, variations by seed across batches, the mask's
// kept region, inversion, grids, and the usage and file errors.
TEST_F(CliTest, EditMatchesTheLibraryKeepsTheMaskedOutRegionAndReportsErrors) {
  const LoadedModel m = loaded();
  const std::string image = " --image " + path("a.png");
  const at::Tensor x0 = loadImageForModel(path("a.png"), 8);
  Result r = run("edit " + model() + image + " --strength 0 --quiet --out " + path("e0.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(at::equal(readNpy(path("e0.npy")), x0));

  // Three variations in batches of two: item k is seed 4 + k, as the library makes them.
  r = run("edit " + model() + image +
          " --strength 0.5 --steps 10 --eta 0.3 --seed 4 --count 3 --batch 2 --quiet --out " +
          path("ev.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("from t = 50 of 100, 6 steps down, 12 network calls"), std::string::npos)
      << r.out;
  EditOptions o;
  o.strength = 0.5;
  o.steps = 10;
  o.eta = 0.3;
  o.seed = 4;
  o.count = 3;
  const at::Tensor variations = readNpy(path("ev.npy"));
  ASSERT_EQ(variations.sizes(), (std::vector<int64_t>{3, 3, 8, 8}));
  EXPECT_TRUE(at::allclose(variations, strengthEdit(m.denoiser, m.schedule, x0, o), 1e-4, 1e-4));
  ASSERT_EQ(run("edit " + model() + image + " --steps 10 --eta 0.3 --seed 6 --quiet --out " +
                path("e6.npy"))
                .status,
            0);
  EXPECT_TRUE(at::allclose(readNpy(path("e6.npy"))[0], variations[2], 1e-4, 1e-4));

  // Regenerate the right half (white), keep the left (black); strength 1 by default.
  Rgb8Image maskImage;
  maskImage.width = 16;
  maskImage.height = 12;
  maskImage.pixels.assign(16 * 12 * 3, 0);
  for (int y = 0; y < 12; ++y)
    for (int x = 8; x < 16; ++x)
      for (int c = 0; c < 3; ++c) maskImage.pixels[(y * 16 + x) * 3 + c] = 255;
  writePng(path("mask.png"), maskImage);
  r = run("edit " + model() + image + " --mask " + path("mask.png") +
          " --steps 10 --resample 1 --feather 1 --seed 1 --quiet --out " + path("em.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  const at::Tensor masked = readNpy(path("em.npy"));
  const at::Tensor mask = loadMaskForModel(path("mask.png"), 8);
  const at::Tensor keep = (mask == 0).expand({1, 3, 8, 8});
  ASSERT_GT(keep.sum().item<int64_t>(), 0);
  EXPECT_LE(((masked - x0).abs() / 2).masked_select(keep).max().item<float>(), 2.0f / 255);
  EXPECT_GT(
      ((masked - x0).abs() / 2).masked_select(mask.expand({1, 3, 8, 8}) == 1).max().item<float>(),
      0.01f);
  EditOptions mo;
  mo.strength = 1.0;
  mo.steps = 10;
  mo.resample = 1;
  mo.featherPixels = 1;
  mo.seed = 1;
  EXPECT_TRUE(
      at::allclose(masked, regenerateMasked(m.denoiser, m.schedule, x0, mask, mo), 1e-4, 1e-4));

  r = run("edit " + model() + image + " --noise invert --exact --steps 10 --out " + path("ei.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(readImage(path("ei.png")).sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_NE(r.out.find("exact inversion: "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("edit"), std::string::npos);  // progress
  r = run("edit " + model() + image + " --count 2 --steps 4 --quiet --out " + path("eg.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(readImage(path("eg.png")).size(2), 16);  // a grid, scaled up

  for (const std::string& usage :
       {std::string(" --out x.png"), image + " --strength 1.5 --out x.png",
        image + " --noise sideways --out x.png", image + " --exact --out x.png",
        image + " --resample 2 --out x.png", image + " --feather 2 --out x.png",
        image + " --count 0 --out x.png", image}) {
    r = run("edit " + model() + usage);
    EXPECT_EQ(r.status, 2) << usage << ": " << r.err;
    EXPECT_NE(r.err.find("ddim edit: usage error"), std::string::npos) << r.err;
  }
  writeFileAtomic(path("junk_mask.png"), "not a picture");
  Rgb8Image black = maskImage;
  std::fill(black.pixels.begin(), black.pixels.end(), 0);
  writePng(path("black_mask.png"), black);
  for (const std::string& bad : {path("junk_mask.png"), path("black_mask.png")}) {
    r = run("edit " + model() + image + " --mask " + bad + " --quiet --out " + path("ex.png"));
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(path("ex.png")));
  }
  EXPECT_NE(r.err.find("no white pixel"), std::string::npos) << r.err;
  r = run("edit " + model() + " --image " + path("nothing.png") + " --out " + path("ex.png"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(path("nothing.png")), std::string::npos) << r.err;
  r = run("edit --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("ddim edit"), std::string::npos) << r.out;
}

// Runs `ddim args` in a private mount namespace (unshare: no root needed) with a fresh tmpfs at
// `mount`, set up by `setup` (shell, run first); returns the result and what the tmpfs holds
// afterwards. Empty status -2 when this machine does not allow the namespace.
struct FaultResult {
  Result result;
  std::string listing;
};

FaultResult runOnTmpfs(const std::string& mount, const std::string& setup, const std::string& args,
                       const std::string& scratch) {
  FaultResult f;
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0) {
    f.result.status = -2;
    return f;
  }
  fs::create_directories(mount);
  const std::string script = "mount -t tmpfs -o size=64k tmpfs " + mount + " && " + setup +
                             " && { " + testing::cliPath() + " " + args + " >" + scratch +
                             "/f.out 2>" + scratch + "/f.err; echo $? >" + scratch +
                             "/f.status; ls -A " + mount + " >" + scratch + "/f.ls; }";
  const std::string cmd = "unshare -rm sh -c '" + script + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  f.result.status = std::stoi(readFileBytes(scratch + "/f.status"));
  f.result.out = readFileBytes(scratch + "/f.out");
  f.result.err = readFileBytes(scratch + "/f.err");
  f.listing = readFileBytes(scratch + "/f.ls");
  return f;
}

// A latent, an exported model or a video written into a read-only folder or onto a full disk:
// exit 1, one line naming the file and the real cause (for the video, not a missing encoder), and
// nothing half-written left behind.
TEST_F(CliTest, WritesOntoAFullDiskOrReadOnlyFolderLeaveNoPartialFile) {
  const std::string mnt = path("mnt");
  const std::string fill = "(head -c 1000000 /dev/zero >" + mnt + "/fill 2>/dev/null || true)";
  const std::string readOnly = "mount -o remount,ro " + mnt;
  // One page free: the probe write fits, the video does not (found only by reading it back).
  const std::string nearlyFull = fill + " && truncate -s -4096 " + mnt + "/fill";
  const std::string invert = "invert " + model() + " --quiet --image " + path("a.png") +
                             " --steps 2 --out " + mnt + "/z.npy";
  const std::string exportTo = "export " + model() + " --quiet --out " + mnt + "/exported";
  writeNpy(path("fa.npy"), seededNoise({1, 3, 8, 8}, 31, at::kCPU));
  writeNpy(path("fb.npy"), seededNoise({1, 3, 8, 8}, 32, at::kCPU));
  const std::string video = "interpolate " + model() + " --from " + path("fa.npy") + " --to " +
                            path("fb.npy") + " --frames 5 --steps 2 --quiet --out " + mnt +
                            "/v.mp4";
  struct Case {
    std::string setup, args, file, cause, listing;
  };
  const Case cases[] = {
      {fill, invert, mnt + "/z.npy", "No space left on device", "fill\n"},
      {fill, exportTo, mnt + "/exported", "No space left on device", "fill\n"},
      {fill, video, mnt + "/v.mp4", "No space left on device", "fill\n"},
      {nearlyFull, video, mnt + "/v.mp4", "No space left on device", "fill\n"},
      {readOnly, invert, mnt + "/z.npy", "Read-only file system", ""},
      {readOnly, exportTo, mnt + "/exported", "Read-only file system", ""},
      {readOnly, video, mnt + "/v.mp4", "Read-only file system", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args + " after " + c.setup);
    const FaultResult f = runOnTmpfs(mnt, c.setup, c.args, *dir);
    if (f.result.status == -2) GTEST_SKIP() << "unshare -rm is not allowed here";
    EXPECT_EQ(f.result.status, 1) << f.result.err;
    EXPECT_NE(f.result.err.find(c.file), std::string::npos) << f.result.err;
    EXPECT_NE(f.result.err.find(c.cause), std::string::npos) << f.result.err;
    EXPECT_EQ(std::count(f.result.err.begin(), f.result.err.end(), '\n'), 1) << f.result.err;
    EXPECT_EQ(f.listing, c.listing);
  }
}

}  // namespace
}  // namespace ddim
