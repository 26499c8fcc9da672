// The worker on its own thread, driven through WorkerHost exactly as the window drives it.
#include "worker.h"

#include <gtest/gtest.h>

#include <QMap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>

#include "test_util.h"
#include "tiny_model.h"
#include "worker_host.h"
#include "worker_relay.h"

namespace {

using ddim_test::waitFor;

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    modelFolder_ = dir_.filePath(QStringLiteral("tiny"));
    ddim_test::writeTinyModel(modelFolder_.toStdString());
    host_ = std::make_unique<WorkerHost>(QStringLiteral("cpu"), 1);
    worker_ = host_->worker();
    relay_ = std::make_unique<WorkerRelay>(worker_);
  }
  void TearDown() override { host_->shutdown(); }

  /// Sends a job and waits until it has ended; returns whether it finished.
  bool runToEnd(const std::function<void()>& send, int ms = 60000) {
    QSignalSpy finished(relay_.get(), &WorkerRelay::finished);
    QSignalSpy failed(relay_.get(), &WorkerRelay::failed);
    QSignalSpy cancelled(relay_.get(), &WorkerRelay::cancelled);
    send();
    EXPECT_TRUE(
        waitFor([&] { return finished.size() + failed.size() + cancelled.size() > 0; }, ms));
    if (!failed.isEmpty()) lastFailure_ = failed.front().at(1).toString();
    return finished.size() == 1;
  }
  bool loadTiny() {
    ModelRequest r;
    r.folder = modelFolder_;
    return runToEnd([&] { host_->loadModel(r); });
  }
  bool seedLatent(LatentSlot slot, quint64 seed) {
    return runToEnd([&] { host_->setLatent(LatentRequest::fromSeed(slot, seed)); });
  }

  QTemporaryDir dir_;
  QString modelFolder_;
  std::unique_ptr<WorkerHost> host_;
  Worker* worker_ = nullptr;
  std::unique_ptr<WorkerRelay> relay_;  // spies listen here, on this thread
  QString lastFailure_;
};

TEST_F(WorkerTest, LoadsModelAndDescribesIt) {
  QSignalSpy loaded(relay_.get(), &WorkerRelay::modelLoaded);
  ASSERT_TRUE(loadTiny()) << lastFailure_.toStdString();
  ASSERT_EQ(loaded.size(), 1);
  const auto info = loaded.front().front().value<ModelInfo>();
  EXPECT_EQ(info.resolution, 16);
  EXPECT_EQ(info.channels, 3);
  EXPECT_GT(info.parameters, 10000);
  EXPECT_EQ(info.numTimesteps, 1000);
  EXPECT_FALSE(info.device.isEmpty());
  EXPECT_FALSE(host_->busy());
}

TEST_F(WorkerTest, BadModelFailsWithReasonAndKeepsTheLoadedModel) {
  ASSERT_TRUE(loadTiny());
  ModelRequest bad;
  bad.folder = dir_.filePath(QStringLiteral("missing-model"));
  EXPECT_FALSE(runToEnd([&] { host_->loadModel(bad); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("missing-model"))) << lastFailure_.toStdString();

  ASSERT_TRUE(seedLatent(LatentSlot::kA, 3));  // the tiny model still works
  QSignalSpy sampled(relay_.get(), &WorkerRelay::sampled);
  SampleRequest r;
  r.options.steps = 3;
  EXPECT_TRUE(runToEnd([&] { host_->sample(r); }));
  EXPECT_EQ(sampled.size(), 1);
}

TEST_F(WorkerTest, InvertReportsEveryStepAndTheReconstruction) {
  ASSERT_TRUE(loadTiny());
  ImageRequest image;
  image.image = ddim_test::makePicture();
  image.name = QStringLiteral("picture");
  QSignalSpy imageLoaded(relay_.get(), &WorkerRelay::imageLoaded);
  ASSERT_TRUE(runToEnd([&] { host_->loadImage(image); })) << lastFailure_.toStdString();
  ASSERT_EQ(imageLoaded.size(), 1);
  const auto info = imageLoaded.front().front().value<ImageInfo>();
  EXPECT_EQ(info.original.size(), QSize(40, 30));
  EXPECT_EQ(info.modelView.size(), QSize(16, 16));

  QSignalSpy progress(relay_.get(), &WorkerRelay::progress);
  QSignalSpy inverted(relay_.get(), &WorkerRelay::inverted);
  QSignalSpy latent(relay_.get(), &WorkerRelay::latentChanged);
  InvertRequest r;
  r.options.steps = 10;
  r.target = LatentSlot::kB;
  ASSERT_TRUE(runToEnd([&] { host_->invert(r); })) << lastFailure_.toStdString();
  // 10 uniform steps visit 10 timesteps: 10 calls to invert, 10 to sample back.
  ASSERT_EQ(progress.size(), 20);
  for (int i = 0; i < progress.size(); ++i) {
    const auto p = progress.at(i).front().value<JobProgress>();
    EXPECT_EQ(p.step, i + 1);
    EXPECT_EQ(p.total, 20);
  }
  ASSERT_EQ(inverted.size(), 1);
  const auto result = inverted.front().front().value<InvertResult>();
  EXPECT_EQ(result.target, LatentSlot::kB);
  EXPECT_EQ(result.latent.size(), QSize(16, 16));
  EXPECT_EQ(result.reconstruction.size(), QSize(16, 16));
  EXPECT_GT(result.mse, 0.0);
  EXPECT_NEAR(result.psnr, 10 * std::log10(1 / result.mse), 1e-6);
  ASSERT_EQ(latent.size(), 1);
  EXPECT_EQ(latent.front().front().value<LatentInfo>().slot, LatentSlot::kB);
}

TEST_F(WorkerTest, ExactInversionReportsCallsPerStepAndWhetherItConverged) {
  ASSERT_TRUE(loadTiny());
  ImageRequest image;
  image.image = ddim_test::makePicture();
  ASSERT_TRUE(runToEnd([&] { host_->loadImage(image); })) << lastFailure_.toStdString();
  QSignalSpy inverted(relay_.get(), &WorkerRelay::inverted);
  InvertRequest r;
  r.options.steps = 10;
  ASSERT_TRUE(runToEnd([&] { host_->invert(r); })) << lastFailure_.toStdString();
  r.options.method = ddim::InversionMethod::kExact;
  ASSERT_TRUE(runToEnd([&] { host_->invert(r); })) << lastFailure_.toStdString();
  ASSERT_EQ(inverted.size(), 2);

  const auto plain = inverted.at(0).front().value<InvertResult>();
  EXPECT_FALSE(plain.exact);
  EXPECT_EQ(plain.networkCalls, 10);
  EXPECT_DOUBLE_EQ(plain.callsPerStep(), 1.0);
  EXPECT_TRUE(plain.converged());

  const auto exact = inverted.at(1).front().value<InvertResult>();
  EXPECT_TRUE(exact.exact);
  EXPECT_EQ(exact.steps, 10);
  EXPECT_GT(exact.callsPerStep(), 1.0);
  EXPECT_LE(exact.networkCalls, 10 * r.options.maxIterations);
  EXPECT_GT(exact.worstResidual, 0.0);
  EXPECT_GE(exact.stepsNotConverged, 0);
  EXPECT_LE(exact.stepsNotConverged, 10);
  EXPECT_EQ(exact.converged(), exact.stepsNotConverged == 0);
  EXPECT_EQ(exact.converged(), exact.worstResidual <= r.options.tolerance);
  // (A random tiny model: its PSNR says nothing about exact against plain inversion.)
}

TEST_F(WorkerTest, ExactInversionCutShortReportsThatItDidNotConverge) {
  ASSERT_TRUE(loadTiny());
  ImageRequest image;
  image.image = ddim_test::makePicture();
  ASSERT_TRUE(runToEnd([&] { host_->loadImage(image); })) << lastFailure_.toStdString();
  QSignalSpy inverted(relay_.get(), &WorkerRelay::inverted);
  InvertRequest r;
  r.options.steps = 6;
  r.options.method = ddim::InversionMethod::kExact;
  r.options.maxIterations = 1;
  r.options.tolerance = 1e-12;
  ASSERT_TRUE(runToEnd([&] { host_->invert(r); })) << lastFailure_.toStdString();
  ASSERT_EQ(inverted.size(), 1);
  const auto result = inverted.front().front().value<InvertResult>();
  EXPECT_FALSE(result.converged());
  EXPECT_GT(result.stepsNotConverged, 0);
  EXPECT_GT(result.worstResidual, 1e-12);
  // One call a step, and a first guess (the network is never evaluated at t = -1).
  EXPECT_GE(result.networkCalls, 6);
  EXPECT_LE(result.networkCalls, 2 * 6);
}

TEST_F(WorkerTest, CancelStopsWithinOneNetworkEvaluation) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  // Cancel from the worker thread right after the 5th evaluation: the 6th must not run.
  QObject::connect(
      worker_, &Worker::progress, worker_,
      [this](const JobProgress& p) {
        if (p.step == 5) worker_->cancel();
      },
      Qt::DirectConnection);
  QSignalSpy progress(relay_.get(), &WorkerRelay::progress);
  QSignalSpy cancelled(relay_.get(), &WorkerRelay::cancelled);
  QSignalSpy sampled(relay_.get(), &WorkerRelay::sampled);
  SampleRequest r;
  r.options.steps = 1000;
  EXPECT_FALSE(runToEnd([&] { host_->sample(r); }));
  ASSERT_EQ(cancelled.size(), 1);
  EXPECT_EQ(cancelled.front().front().value<JobKind>(), JobKind::kSample);
  EXPECT_EQ(progress.size(), 5);
  EXPECT_EQ(sampled.size(), 0);
  EXPECT_FALSE(host_->busy());

  // The next job runs normally: the token was for the cancelled job only.
  QSignalSpy sampledAgain(relay_.get(), &WorkerRelay::sampled);
  r.options.steps = 4;
  EXPECT_TRUE(runToEnd([&] { host_->sample(r); }));
  EXPECT_EQ(sampledAgain.size(), 1);
}

TEST_F(WorkerTest, CancelFromTheWindowThreadStopsALongJob) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  QSignalSpy progress(relay_.get(), &WorkerRelay::progress);
  QSignalSpy cancelled(relay_.get(), &WorkerRelay::cancelled);
  SampleRequest r;
  r.options.steps = 1000;
  host_->sample(r);
  ASSERT_TRUE(waitFor([&] { return progress.size() >= 3; }));
  host_->cancel();
  ASSERT_TRUE(waitFor([&] { return cancelled.size() == 1; }, 10000));
  EXPECT_LT(progress.size(), 1000);
}

TEST_F(WorkerTest, JobsSentBeforeCancelAreCancelledUnstarted) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  QSignalSpy cancelled(relay_.get(), &WorkerRelay::cancelled);
  QSignalSpy sampled(relay_.get(), &WorkerRelay::sampled);
  SampleRequest r;
  r.options.steps = 1000;
  host_->sample(r);
  host_->sample(r);
  host_->cancel();
  ASSERT_TRUE(waitFor([&] { return cancelled.size() == 2; }, 10000));
  EXPECT_EQ(sampled.size(), 0);
  EXPECT_FALSE(host_->busy());
}

TEST_F(WorkerTest, SliderRequestsNeverBuildABacklog) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  ASSERT_TRUE(seedLatent(LatentSlot::kB, 2));
  // Keep the worker busy with a long job while 41 slider positions arrive, then cancel it.
  QSignalSpy progress(relay_.get(), &WorkerRelay::progress);
  SampleRequest busy;
  busy.options.steps = 1000;
  host_->sample(busy);
  ASSERT_TRUE(waitFor([&] { return !progress.isEmpty(); }));
  QSignalSpy frames(relay_.get(), &WorkerRelay::sliderFrame);
  SliderRequest r;
  r.params.options.steps = 5;
  quint64 last = 0;
  for (int i = 0; i <= 40; ++i) {
    r.alpha = i / 40.0;
    last = host_->requestSlider(r);
  }
  host_->cancel();
  ASSERT_TRUE(waitFor([&] { return !frames.isEmpty(); }));
  QTest::qWait(200);  // nothing else may follow
  ASSERT_EQ(frames.size(), 1) << "41 positions sent while busy must give one frame: the last";
  const auto frame = frames.front().front().value<SliderFrame>();
  EXPECT_EQ(frame.generation, last);
  EXPECT_DOUBLE_EQ(frame.alpha, 1.0);
  EXPECT_EQ(frame.image.size(), QSize(16, 16));
}

TEST_F(WorkerTest, PathCacheFillsCoarseToFine) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  ASSERT_TRUE(seedLatent(LatentSlot::kB, 2));
  QSignalSpy frames(relay_.get(), &WorkerRelay::pathFrame);
  PathRequest r;
  r.frames = 5;
  r.params.options.steps = 4;
  const quint64 generation = host_->preparePath(r);
  ASSERT_TRUE(waitFor([&] { return frames.size() == 5; }));
  QVector<double> alphas;
  for (const auto& args : frames) {
    const auto f = args.front().value<PathFrame>();
    EXPECT_EQ(f.generation, generation);
    alphas << f.alpha;
  }
  EXPECT_EQ(alphas, (QVector<double>{0.0, 1.0, 0.5, 0.25, 0.75}));
}

TEST_F(WorkerTest, ACompletePathReportsTheDistancesBetweenItsFrames) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  ASSERT_TRUE(seedLatent(LatentSlot::kB, 2));
  QSignalSpy frames(relay_.get(), &WorkerRelay::pathFrame);
  QSignalSpy spacing(relay_.get(), &WorkerRelay::pathSpacing);
  PathRequest r;
  r.frames = 5;
  r.params.mode = ddim::InterpMode::kSlerpMatched;
  r.params.options.steps = 4;
  const quint64 generation = host_->preparePath(r);
  ASSERT_TRUE(waitFor([&] { return spacing.size() == 1; }));
  EXPECT_EQ(frames.size(), 5) << "the distances come after the last frame";
  const auto s = spacing.front().front().value<PathSpacing>();
  EXPECT_EQ(s.generation, generation);
  EXPECT_EQ(s.alphas, (QVector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  ASSERT_EQ(s.distances.size(), 4);
  for (double d : s.distances) {
    EXPECT_GT(d, 0.0);
    EXPECT_LE(d, 1.0);
  }

  // The distances are those of the frames the window received (to 8-bit rounding).
  QMap<double, QImage> byAlpha;
  for (const auto& args : frames) {
    const auto f = args.front().value<PathFrame>();
    byAlpha[f.alpha] = f.image.convertToFormat(QImage::Format_RGB888);
  }
  for (int i = 0; i < 4; ++i) {
    const QImage& x = byAlpha[s.alphas[i]];
    const QImage& y = byAlpha[s.alphas[i + 1]];
    double sum = 0;
    for (int row = 0; row < x.height(); ++row) {
      for (int col = 0; col < x.width() * 3; ++col) {
        const double diff = (x.constScanLine(row)[col] - y.constScanLine(row)[col]) / 255.0;
        sum += diff * diff;
      }
    }
    EXPECT_NEAR(std::sqrt(sum / (x.width() * x.height() * 3)), s.distances[i], 2.0 / 255);
  }
}

TEST_F(WorkerTest, FilmstripFramesLieAtTheRequestedAlphas) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  ASSERT_TRUE(seedLatent(LatentSlot::kB, 2));
  QSignalSpy ready(relay_.get(), &WorkerRelay::filmstripReady);
  QSignalSpy slider(relay_.get(), &WorkerRelay::sliderFrame);
  FilmstripRequest r;
  r.frames = 3;
  r.alphas = {0.0, 0.3, 1.0};
  r.params.mode = ddim::InterpMode::kSlerpMatched;
  r.params.options.steps = 3;
  ASSERT_TRUE(runToEnd([&] { host_->filmstrip(r); })) << lastFailure_.toStdString();
  SliderRequest at;
  at.alpha = 0.3;
  at.params = r.params;
  host_->requestSlider(at);
  ASSERT_TRUE(waitFor([&] { return slider.size() == 1; }));
  ASSERT_EQ(ready.size(), 1);
  const auto strip = ready.front().front().value<FilmstripResult>();
  ASSERT_EQ(strip.frames.size(), 3);
  // Batched and single sampling may round a pixel differently, no more.
  const QImage single =
      slider.front().front().value<SliderFrame>().image.convertToFormat(QImage::Format_RGB888);
  const QImage middle = strip.frames[1].convertToFormat(QImage::Format_RGB888);
  ASSERT_EQ(middle.size(), single.size());
  int worst = 0;
  for (int row = 0; row < middle.height(); ++row) {
    for (int col = 0; col < middle.width() * 3; ++col) {
      worst = std::max(worst,
                       std::abs(middle.constScanLine(row)[col] - single.constScanLine(row)[col]));
    }
  }
  EXPECT_LE(worst, 1);
  EXPECT_NE(strip.frames[0], strip.frames[1]);

  r.alphas = {0.0, 1.0};  // not one per frame
  EXPECT_FALSE(runToEnd([&] { host_->filmstrip(r); }));
}

TEST_F(WorkerTest, LatentSurvivesANpyRoundTrip) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 11));
  const QString path = dir_.filePath(QStringLiteral("a.npy"));
  ASSERT_TRUE(runToEnd([&] { host_->setLatent(LatentRequest::saveTo(LatentSlot::kA, path)); }))
      << lastFailure_.toStdString();
  ASSERT_TRUE(runToEnd([&] { host_->setLatent(LatentRequest::fromNpy(LatentSlot::kB, path)); }))
      << lastFailure_.toStdString();

  QSignalSpy sampled(relay_.get(), &WorkerRelay::sampled);
  SampleRequest r;
  r.options.steps = 3;
  r.source = LatentSource::kA;
  ASSERT_TRUE(runToEnd([&] { host_->sample(r); }));
  r.source = LatentSource::kB;
  ASSERT_TRUE(runToEnd([&] { host_->sample(r); }));
  ASSERT_EQ(sampled.size(), 2);
  EXPECT_EQ(sampled.at(0).front().value<SampleResult>().image,
            sampled.at(1).front().value<SampleResult>().image);
}

TEST_F(WorkerTest, LatentOfTheWrongShapeIsRefusedWithTheShapes) {
  ASSERT_TRUE(loadTiny());
  const QString path = dir_.filePath(QStringLiteral("wrong.npy"));
  ddim_test::writeConstantNpy(path.toStdString(), {1, 3, 8, 8}, 0.5f);
  EXPECT_FALSE(runToEnd([&] { host_->setLatent(LatentRequest::fromNpy(LatentSlot::kA, path)); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("[1, 3, 8, 8]"))) << lastFailure_.toStdString();
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("[1, 3, 16, 16]")));
}

TEST_F(WorkerTest, JobsWithoutTheirInputsFailWithAReason) {
  ASSERT_TRUE(loadTiny());
  EXPECT_FALSE(runToEnd([&] { host_->invert(InvertRequest{}); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("no image"))) << lastFailure_.toStdString();
  EXPECT_FALSE(runToEnd([&] { host_->sample(SampleRequest{}); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("latent A is empty")));
  ImageRequest unreadable;
  unreadable.path = dir_.filePath(QStringLiteral("missing.png"));
  EXPECT_FALSE(runToEnd([&] { host_->loadImage(unreadable); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("missing.png")));
}

TEST_F(WorkerTest, CompareMeasuresEachStepCountAgainstTheHighest) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 5));
  QSignalSpy items(relay_.get(), &WorkerRelay::compareItem);
  QSignalSpy compared(relay_.get(), &WorkerRelay::compared);
  QSignalSpy progress(relay_.get(), &WorkerRelay::progress);
  CompareRequest r;
  r.stepCounts = {10, 2, 5};
  ASSERT_TRUE(runToEnd([&] { host_->compare(r); })) << lastFailure_.toStdString();
  EXPECT_EQ(items.size(), 3);
  EXPECT_EQ(progress.size(), 17);
  ASSERT_EQ(compared.size(), 1);
  const auto all = compared.front().front().value<QVector<CompareItem>>();
  ASSERT_EQ(all.size(), 3);
  EXPECT_EQ(all[0].steps, 2);
  EXPECT_EQ(all[2].steps, 10);
  EXPECT_EQ(all[2].rmse, 0.0);
  EXPECT_GT(all[0].rmse, 0.0);
  EXPECT_GE(all[0].seconds, 0.0);
}

TEST_F(WorkerTest, FilmstripRendersTheRequestedFrames) {
  ASSERT_TRUE(loadTiny());
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 1));
  ASSERT_TRUE(seedLatent(LatentSlot::kB, 2));
  QSignalSpy ready(relay_.get(), &WorkerRelay::filmstripReady);
  FilmstripRequest r;
  r.frames = 6;
  r.params.options.steps = 3;
  r.path = QStringLiteral("x.png");
  ASSERT_TRUE(runToEnd([&] { host_->filmstrip(r); }));
  ASSERT_EQ(ready.size(), 1);
  const auto result = ready.front().front().value<FilmstripResult>();
  EXPECT_EQ(result.frames.size(), 6);
  EXPECT_EQ(result.path, QStringLiteral("x.png"));
  EXPECT_NE(result.frames.front(), result.frames.back());
}

// A model folder whose config names a guide: the info says so, and the sample request's weight
// picks plain (1) or guided sampling; a weight other than 1 without a guide fails with a reason.
TEST_F(WorkerTest, SamplesWithTheModelsGuideAtTheRequestedWeight) {
  const QString guided = dir_.filePath(QStringLiteral("guided"));
  ddim_test::writeTinyGuidedModel(guided.toStdString(), 2.5);
  QSignalSpy loaded(relay_.get(), &WorkerRelay::modelLoaded);
  ModelRequest m;
  m.folder = guided;
  ASSERT_TRUE(runToEnd([&] { host_->loadModel(m); })) << lastFailure_.toStdString();
  const auto info = loaded.front().front().value<ModelInfo>();
  EXPECT_FALSE(info.guide.isEmpty());
  EXPECT_EQ(info.guidance, 2.5);
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 4));

  QSignalSpy sampled(relay_.get(), &WorkerRelay::sampled);
  SampleRequest r;
  r.options.steps = 4;
  for (double w : {1.0, 2.5, 1.0}) {
    r.guidance = w;
    ASSERT_TRUE(runToEnd([&] { host_->sample(r); })) << lastFailure_.toStdString();
  }
  ASSERT_EQ(sampled.size(), 3);
  const QImage plain = sampled[0].front().value<SampleResult>().image;
  EXPECT_NE(sampled[1].front().value<SampleResult>().image, plain);
  EXPECT_EQ(sampled[2].front().value<SampleResult>().image, plain);

  ASSERT_TRUE(loadTiny());  // no guide
  ASSERT_TRUE(seedLatent(LatentSlot::kA, 4));
  r.guidance = 2.0;
  EXPECT_FALSE(runToEnd([&] { host_->sample(r); }));
  EXPECT_TRUE(lastFailure_.contains(QStringLiteral("no guide"))) << lastFailure_.toStdString();
}

}  // namespace
