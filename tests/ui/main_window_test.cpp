// The real main window on the offscreen platform, driven as a person would, on a tiny model.
#include "main_window.h"

#include <gtest/gtest.h>

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImageReader>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QUrl>
#include <algorithm>
#include <opencv2/videoio.hpp>

#include "app_settings.h"
#include "compare_panel.h"
#include "image_panel.h"
#include "image_view.h"
#include "interpolation_panel.h"
#include "invert_panel.h"
#include "latent_panel.h"
#include "model/precision.h"
#include "sample_panel.h"
#include "test_util.h"
#include "tiny_model.h"
#include "window_test_util.h"
#include "worker_host.h"

namespace {

using ddim_test::waitFor;

/// Picks `mode` in the interpolation panel's path combo, as a person would.
void selectInterpForTest(InterpolationPanel* panel, ddim::InterpMode mode) {
  auto* combo = panel->findChild<QComboBox*>(QStringLiteral("interpMode"));
  ASSERT_NE(combo, nullptr);
  combo->setCurrentIndex(combo->findData(static_cast<int>(mode)));
}

class MainWindowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new QTemporaryDir;
    ddim_test::writeTinyModel(dir_->filePath(QStringLiteral("tiny")).toStdString());
    QDir(dir_->path()).mkpath(QStringLiteral("samples"));
    ddim_test::makePicture(48, 40).save(dir_->filePath(QStringLiteral("samples/disc.png")));
    qputenv("DDIM_SAMPLES_DIR", dir_->filePath(QStringLiteral("samples")).toLocal8Bit());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(out_.isValid());
    settingsPath_ = out_.filePath(QStringLiteral("settings.ini"));
    AppSettings settings(settingsPath_);  // small jobs: the tiny model on two cores
    settings.setValue(QStringLiteral("invert/steps"), 8);
    settings.setValue(QStringLiteral("sample/steps"), 6);
    settings.setValue(QStringLiteral("compare/steps"), QStringLiteral("2, 4, 8"));
    settings.setValue(QStringLiteral("interp/steps"), 4);
    settings.setValue(QStringLiteral("interp/cacheFrames"), 5);
    settings.setValue(QStringLiteral("interp/filmstripFrames"), 5);
    settings.sync();
  }

  std::unique_ptr<MainWindow> makeWindow(bool withModel = true) {
    auto window = std::make_unique<MainWindow>(
        ddim_test::tinyWindowOptions(settingsPath_, withModel ? modelFolder() : QString()));
    FileDialogs dialogs;
    dialogs.openFile = [this](QWidget*, const QString&, const QString&) { return nextOpen_; };
    dialogs.openFolder = [this](QWidget*, const QString&) { return nextOpen_; };
    dialogs.saveFile = [this](QWidget*, const QString&, const QString&, const QString&) {
      return nextSave_;
    };
    dialogs.confirmOverwrite = [this](QWidget*, const QString&) {
      ++overwriteQuestions_;
      return overwriteAnswer_;
    };
    window->setFileDialogs(dialogs);
    window->show();
    return window;
  }

  static QString modelFolder() { return dir_->filePath(QStringLiteral("tiny")); }
  static QString samplePath() { return dir_->filePath(QStringLiteral("samples/disc.png")); }

  /// Waits for the window to report the end of a job of `kind`; returns whether it succeeded.
  static bool waitJob(MainWindow& w, JobKind kind, const std::function<void()>& start,
                      int ms = 60000) {
    return ddim_test::runWindowJob(w, kind, start, ms);
  }
  static bool waitModel(MainWindow& w) {
    return waitFor([&] { return w.modelLoaded() && !w.busy(); });
  }

  static QTemporaryDir* dir_;
  QTemporaryDir out_;
  QString settingsPath_;
  QString nextOpen_;
  QString nextSave_;
  bool overwriteAnswer_ = false;
  int overwriteQuestions_ = 0;
};

QTemporaryDir* MainWindowTest::dir_ = nullptr;

TEST_F(MainWindowTest, StartsWithoutAModelAndSaysSo) {
  qputenv("DDIM_DEFAULT_MODEL", out_.filePath(QStringLiteral("not-there")).toLocal8Bit());
  auto w = makeWindow(/*withModel=*/false);
  QTest::qWait(50);
  EXPECT_TRUE(w->modelText().contains(QStringLiteral("No model loaded")))
      << w->modelText().toStdString();
  EXPECT_FALSE(w->modelLoaded());
  EXPECT_FALSE(w->samplePanel()->sampleButton()->isEnabled());
  EXPECT_FALSE(w->invertPanel()->invertButton()->isEnabled());
  // An image still loads and shows without a model.
  EXPECT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(samplePath()); }));
  EXPECT_FALSE(w->imagePanel()->inputView()->image().isNull());
  qunsetenv("DDIM_DEFAULT_MODEL");
}

TEST_F(MainWindowTest, ShowsTheModelsNameResolutionParametersAndDevice) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w)) << w->errorText().toStdString();
  const QString text = w->modelText();
  EXPECT_TRUE(text.contains(QStringLiteral("tiny"))) << text.toStdString();
  EXPECT_TRUE(text.contains(QStringLiteral("16 × 16 px")));
  EXPECT_TRUE(text.contains(QStringLiteral("parameters")));
  EXPECT_TRUE(text.contains(QStringLiteral("CPU"), Qt::CaseInsensitive));
}

// The model line says what the network runs in; File > Model Precision reloads the model in the
// new one and remembers it.
TEST_F(MainWindowTest, ModelLineShowsThePrecisionAndAChangeReloadsTheModel) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w)) << w->errorText().toStdString();
  const QString automatic =
      ddim::cpuHasAvx512Bf16() ? QStringLiteral("bf16") : QStringLiteral("fp32");
  EXPECT_TRUE(w->modelText().endsWith(automatic)) << w->modelText().toStdString();
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadModel, [&] { w->setPrecision(QStringLiteral("fp16")); }))
      << w->errorText().toStdString();
  // No fp16 convolution on the CPU: fp32, and the tooltip says why.
  EXPECT_TRUE(w->modelText().endsWith(QStringLiteral("fp32"))) << w->modelText().toStdString();
  EXPECT_EQ(w->settings().value(QStringLiteral("model/precision")).toString(),
            QStringLiteral("fp16"));
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadModel, [&] { w->setPrecision(QStringLiteral("bf16")); }));
  EXPECT_TRUE(w->modelText().endsWith(QStringLiteral("bf16"))) << w->modelText().toStdString();
}

// The Sample tab's solver: DPM-Solver++(2M) sends eta 0 whatever the eta box holds, and samples.
TEST_F(MainWindowTest, SampleTabRunsDpmSolver) {
  {
    AppSettings settings(settingsPath_);
    settings.setValue(QStringLiteral("sample/solver"),
                      static_cast<int>(ddim::SamplerKind::kDpmSolverPP2M));
    settings.setValue(QStringLiteral("sample/eta"), 0.5);
    settings.sync();
  }
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  const SampleRequest request = w->samplePanel()->request();
  EXPECT_EQ(request.options.kind, ddim::SamplerKind::kDpmSolverPP2M);
  EXPECT_EQ(request.options.eta, 0.0);
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kSample, [&] { w->samplePanel()->sampleButton()->click(); }))
      << w->errorText().toStdString();
  EXPECT_FALSE(w->samplePanel()->resultView()->image().isNull());
}

TEST_F(MainWindowTest, InvertInterpolateSampleCompareAndExport) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  // The plain slider, whose positions are alphas (EvenSpacing... covers the re-spaced one).
  w->interpolationPanel()->evenCheck()->setChecked(false);
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(samplePath()); }));
  EXPECT_EQ(w->imagePanel()->inputView()->image().size(), QSize(48, 40));
  EXPECT_EQ(w->imagePanel()->modelView()->image().size(), QSize(16, 16));

  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { w->invertPanel()->invertButton()->click(); }))
      << w->errorText().toStdString();
  EXPECT_TRUE(w->invertPanel()->errorText().contains(QStringLiteral("PSNR")));
  EXPECT_EQ(w->invertPanel()->reconstructionView()->image().size(), QSize(16, 16));
  InterpolationPanel* interp = w->interpolationPanel();
  EXPECT_TRUE(interp->latentPanel(LatentSlot::kA)->hasLatent());

  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 7); }));
  EXPECT_TRUE(interp->latentPanel(LatentSlot::kB)->hasLatent());
  w->tabs()->setCurrentWidget(interp);
  interp->setAlpha(0.3);
  ASSERT_TRUE(waitFor([&] { return interp->shownAlpha() == 0.3; }));
  EXPECT_EQ(interp->frameView()->image().size(), QSize(16, 16));
  EXPECT_TRUE(interp->frameView()->caption().contains(QStringLiteral("0.30")));
  ASSERT_TRUE(waitFor([&] { return interp->cachedFrames() >= 6; }));  // 5 path frames + 0.3

  // Dragging: each position shows a frame at once, from the cache, and its exact frame follows.
  for (int v = 31; v <= 60; ++v) {
    interp->slider()->setValue(v);
    QTest::qWait(15);
  }
  ASSERT_TRUE(waitFor([&] { return interp->shownAlpha() == 0.6; }));
  const LatencyStats latency = interp->latency();
  EXPECT_GE(latency.moves, 30);
  EXPECT_LT(latency.firstMedianMs, 150.0);
  std::printf(
      "slider latency (tiny model): first frame median %.1f ms max %.1f ms, exact frame "
      "median %.1f ms over %d of %d moves\n",
      latency.firstMedianMs, latency.firstMaxMs, latency.exactMedianMs, latency.exact,
      latency.moves);

  w->samplePanel()->setSource(LatentSource::kPath);
  w->samplePanel()->setSteps(4);
  ASSERT_TRUE(waitJob(*w, JobKind::kSample, [&] { w->runSample(); }));
  EXPECT_EQ(w->samplePanel()->resultView()->image(), interp->frameView()->image())
      << "sampling the slider position with the slider's steps gives the slider's frame";

  w->tabs()->setCurrentWidget(w->comparePanel());
  ASSERT_TRUE(waitJob(*w, JobKind::kCompare, [&] { w->runCompare(); }));
  ASSERT_EQ(w->comparePanel()->items().size(), 3);
  EXPECT_TRUE(w->comparePanel()->tileCaption(0).contains(QStringLiteral("2 steps")));
  EXPECT_TRUE(w->comparePanel()->tileCaption(0).contains(QStringLiteral("RMSE")));
  EXPECT_TRUE(w->comparePanel()->tileCaption(2).contains(QStringLiteral("reference")));

  QSignalSpy written(w.get(), &MainWindow::fileWritten);
  nextSave_ = out_.filePath(QStringLiteral("grid.png"));
  w->exportCurrent();
  ASSERT_EQ(written.size(), 1);
  QImageReader grid(nextSave_);
  EXPECT_EQ(grid.format(), QByteArray("png"));
  EXPECT_GT(grid.size().width(), 3 * 128);
  const qint64 size = QFileInfo(nextSave_).size();

  // The same name again: asked first, and a "no" leaves the file alone.
  w->tabs()->setCurrentWidget(w->samplePanel());
  w->exportCurrent();
  EXPECT_EQ(overwriteQuestions_, 1);
  EXPECT_EQ(written.size(), 1);
  EXPECT_EQ(QFileInfo(nextSave_).size(), size);

  nextSave_ = out_.filePath(QStringLiteral("path"));  // extension added
  ASSERT_TRUE(waitJob(*w, JobKind::kFilmstrip, [&] { w->exportFilmstrip(FilmstripFormat::kGif); }));
  ASSERT_TRUE(waitFor([&] { return written.size() == 2; }));
  QImageReader gif(out_.filePath(QStringLiteral("path.gif")));
  EXPECT_EQ(gif.imageCount(), 5);
  EXPECT_EQ(gif.size(), QSize(128, 128));

  nextSave_ = out_.filePath(QStringLiteral("strip.png"));
  ASSERT_TRUE(waitJob(*w, JobKind::kFilmstrip, [&] { w->exportFilmstrip(FilmstripFormat::kPng); }));
  ASSERT_TRUE(waitFor([&] { return written.size() == 3; }));
  EXPECT_EQ(QImageReader(nextSave_).size(), QSize(5 * 16 + 4 * 2, 16));

  nextSave_ = out_.filePath(QStringLiteral("path"));  // extension added
  ASSERT_TRUE(waitJob(*w, JobKind::kFilmstrip, [&] { w->exportFilmstrip(FilmstripFormat::kMp4); }))
      << w->errorText().toStdString();
  ASSERT_TRUE(waitFor([&] { return written.size() == 4; })) << w->errorText().toStdString();
  const QString video = out_.filePath(QStringLiteral("path.mp4"));
  cv::VideoCapture capture(video.toStdString(), cv::CAP_FFMPEG);
  ASSERT_TRUE(capture.isOpened());
  int frames = 0;
  cv::Mat frame;
  while (capture.read(frame)) {
    ++frames;
    EXPECT_EQ(frame.size(), cv::Size(128, 128));
  }
  EXPECT_EQ(frames, 5);
  // The same name again: asked first, and a "no" renders nothing and leaves the video alone.
  const qint64 videoSize = QFileInfo(video).size();
  w->exportFilmstrip(FilmstripFormat::kMp4);
  EXPECT_EQ(overwriteQuestions_, 2);
  EXPECT_FALSE(w->busy());
  QTest::qWait(50);
  EXPECT_EQ(written.size(), 4);
  EXPECT_EQ(QFileInfo(video).size(), videoSize);
  EXPECT_TRUE(w->errorText().isEmpty()) << w->errorText().toStdString();
}

// With a guided model the Sample tab's guidance follows its latent source: the model's weight
// for seeded noise, 1 for an inverted image (so it decodes to that image); for a model without
// a guide it stays at 1.
TEST_F(MainWindowTest, ExactInversionShowsCallsPerStepAndWarnsWhenCutShort) {
  {
    AppSettings settings(settingsPath_);  // one call a step can never reach this tolerance
    settings.setValue(QStringLiteral("invert/exactMaxIterations"), 1);
    settings.setValue(QStringLiteral("invert/exactTolerance"), 1e-12);
  }
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  InvertPanel* panel = w->invertPanel();
  EXPECT_TRUE(panel->exactCheck()->isChecked()) << "on by default for a 16 px model";
  EXPECT_EQ(panel->request().options.method, ddim::InversionMethod::kExact);
  EXPECT_EQ(panel->request().options.maxIterations, 1);
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(samplePath()); }));
  EXPECT_TRUE(panel->warningText().isEmpty());
  const QRect latentBefore = panel->latentView()->geometry();
  const QRect reconstructionBefore = panel->reconstructionView()->geometry();
  const QSize windowBefore = w->size();

  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { panel->invertButton()->click(); }))
      << w->errorText().toStdString();
  EXPECT_TRUE(panel->reportText().contains(QStringLiteral("exact inversion")))
      << panel->reportText().toStdString();
  EXPECT_TRUE(panel->reportText().contains(QStringLiteral(" network calls a step")))
      << panel->reportText().toStdString();
  EXPECT_TRUE(
      panel->warningText().contains(QStringLiteral("did not fully converge"), Qt::CaseInsensitive))
      << panel->warningText().toStdString();
  EXPECT_TRUE(panel->warningText().contains(QStringLiteral("at 8 steps")));
  QTest::qWait(20);  // let the layout settle: the texts must not have moved anything
  EXPECT_EQ(panel->latentView()->geometry(), latentBefore);
  EXPECT_EQ(panel->reconstructionView()->geometry(), reconstructionBefore);
  EXPECT_EQ(w->size(), windowBefore);

  // Plain inversion: one call a step and no warning.
  panel->exactCheck()->click();
  EXPECT_EQ(panel->request().options.method, ddim::InversionMethod::kPlain);
  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { panel->invertButton()->click(); }));
  EXPECT_TRUE(panel->reportText().contains(QStringLiteral("plain inversion")));
  EXPECT_TRUE(panel->warningText().isEmpty());
  EXPECT_EQ(panel->latentView()->geometry(), latentBefore);
}

TEST_F(MainWindowTest, ExactInversionDefaultsByModelSizeAndRemembersTheUsersChoice) {
  InvertPanel panel;
  panel.setModelResolution(32);
  EXPECT_TRUE(panel.exactCheck()->isChecked());
  panel.setModelResolution(128);
  EXPECT_FALSE(panel.exactCheck()->isChecked());
  panel.exactCheck()->click();  // the user's choice outlasts a change of model
  panel.setModelResolution(256);
  EXPECT_TRUE(panel.exactCheck()->isChecked());

  AppSettings settings(settingsPath_);
  panel.save(settings);
  InvertPanel next;
  next.restore(settings);
  next.setModelResolution(256);
  EXPECT_TRUE(next.exactCheck()->isChecked());
  EXPECT_FALSE(next.exactCheck()->toolTip().isEmpty());
  EXPECT_TRUE(next.exactCheck()->toolTip().startsWith(QStringLiteral("Solves each step")));
}

TEST_F(MainWindowTest, EvenSpacingUsesMatchedSlerpAndReSpacesTheSliderAndFilmstrip) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  InterpolationPanel* interp = w->interpolationPanel();
  w->tabs()->setCurrentWidget(interp);
  EXPECT_TRUE(interp->evenCheck()->isChecked()) << "on by default";
  QSignalSpy paths(interp, &InterpolationPanel::pathRequested);
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 4); }));
  ASSERT_FALSE(paths.isEmpty());
  EXPECT_EQ(paths.back().front().value<PathRequest>().params.mode, ddim::InterpMode::kSlerpMatched);
  EXPECT_EQ(interp->params().mode, ddim::InterpMode::kSlerpMatched);

  // Once the 5 cached frames are decoded the slider is re-spaced; the ends stay exact.
  ASSERT_TRUE(waitFor([&] { return !interp->sliderSpacing().isIdentity(); }))
      << interp->cacheText().toStdString();
  EXPECT_TRUE(interp->cacheText().contains(QStringLiteral("evenly spaced")))
      << interp->cacheText().toStdString();
  interp->slider()->setValue(interp->slider()->minimum());
  EXPECT_EQ(interp->alpha(), 0.0);
  interp->slider()->setValue(interp->slider()->maximum());
  EXPECT_EQ(interp->alpha(), 1.0);
  interp->slider()->setValue(37);
  EXPECT_DOUBLE_EQ(interp->alpha(), interp->sliderSpacing().alphaAt(0.37));
  EXPECT_TRUE(interp->alphaText().contains(QStringLiteral("slider 0.37")))
      << interp->alphaText().toStdString();
  EXPECT_TRUE(
      interp->alphaText().contains(QStringLiteral("α = %1").arg(interp->alpha(), 0, 'f', 2)));
  ASSERT_TRUE(waitFor([&] { return interp->shownAlpha() == interp->alpha(); }));

  const QVector<double> strip = interp->filmstripAlphas();
  ASSERT_EQ(strip.size(), interp->filmstripFrames());
  EXPECT_EQ(strip.front(), 0.0);
  EXPECT_EQ(strip.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(strip.begin(), strip.end()));

  // lerp keeps its path and is re-spaced too; even spacing off is the plain slerp slider.
  selectInterpForTest(interp, ddim::InterpMode::kLerp);
  EXPECT_EQ(interp->params().mode, ddim::InterpMode::kLerp);
  EXPECT_EQ(paths.back().front().value<PathRequest>().params.mode, ddim::InterpMode::kLerp);
  selectInterpForTest(interp, ddim::InterpMode::kSlerp);
  interp->evenCheck()->setChecked(false);
  EXPECT_EQ(interp->params().mode, ddim::InterpMode::kSlerp);
  EXPECT_EQ(paths.back().front().value<PathRequest>().params.mode, ddim::InterpMode::kSlerp);
  EXPECT_TRUE(interp->sliderSpacing().isIdentity());
  EXPECT_TRUE(interp->filmstripAlphas().isEmpty());
  interp->slider()->setValue(37);
  EXPECT_DOUBLE_EQ(interp->alpha(), 0.37);
}

TEST_F(MainWindowTest, GuidanceFollowsTheLatentSource) {
  const QString guided = out_.filePath(QStringLiteral("guided"));
  ddim_test::writeTinyGuidedModel(guided.toStdString(), 2.5);
  auto w = std::make_unique<MainWindow>(ddim_test::tinyWindowOptions(settingsPath_, guided));
  w->show();
  ASSERT_TRUE(waitModel(*w)) << w->errorText().toStdString();
  SamplePanel* sample = w->samplePanel();
  sample->setSource(LatentSource::kA);
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  EXPECT_EQ(sample->request().guidance, 2.5);
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(samplePath()); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { w->invertPanel()->invertButton()->click(); }))
      << w->errorText().toStdString();
  EXPECT_EQ(sample->request().guidance, 1.0);  // latent A is now the inverted image
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 4); }));
  sample->setSource(LatentSource::kB);
  EXPECT_EQ(sample->request().guidance, 2.5);
  sample->setSource(LatentSource::kPath);  // A is inverted
  EXPECT_EQ(sample->request().guidance, 1.0);

  auto plain = makeWindow();  // the tiny model has no guide
  ASSERT_TRUE(waitModel(*plain));
  ASSERT_TRUE(waitJob(*plain, JobKind::kLatent, [&] { plain->latentFromSeed(LatentSlot::kA, 3); }));
  EXPECT_EQ(plain->samplePanel()->request().guidance, 1.0);
}

TEST_F(MainWindowTest, ErrorsAppearInTheWindowAndTheStateSurvives) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  EXPECT_FALSE(waitJob(*w, JobKind::kLoadImage,
                       [&] { w->openImageFile(out_.filePath(QStringLiteral("nope.png"))); }));
  EXPECT_TRUE(w->errorText().contains(QStringLiteral("Cannot load the image")));
  EXPECT_TRUE(w->errorText().contains(QStringLiteral("nope.png"))) << w->errorText().toStdString();

  ModelRequest bad;
  bad.folder = out_.filePath(QStringLiteral("no-model"));
  EXPECT_FALSE(waitJob(*w, JobKind::kLoadModel, [&] { w->openModel(bad); }));
  EXPECT_TRUE(w->errorText().contains(QStringLiteral("no-model"))) << w->errorText().toStdString();
  EXPECT_TRUE(w->modelLoaded());
  EXPECT_TRUE(w->modelText().contains(QStringLiteral("tiny"))) << w->modelText().toStdString();

  EXPECT_FALSE(waitJob(*w, JobKind::kSample, [&] { w->runSample(); }));
  EXPECT_TRUE(w->errorText().contains(QStringLiteral("latent A is empty")));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 1); }));
  EXPECT_TRUE(waitJob(*w, JobKind::kSample, [&] { w->runSample(); }));
}

TEST_F(MainWindowTest, EscapeCancelsTheRunningJob) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 1); }));
  w->samplePanel()->setSteps(1000);
  QSignalSpy ended(w.get(), &MainWindow::jobEnded);
  w->runSample();
  ASSERT_TRUE(waitFor([&] { return w->jobText().startsWith(QStringLiteral("Sampling")); }));
  QTest::qWait(50);
  QTest::keyClick(w.get(), Qt::Key_Escape);
  ASSERT_TRUE(waitFor([&] { return ended.size() == 1; }, 10000));
  EXPECT_FALSE(ended.front().at(1).toBool());
  EXPECT_TRUE(w->jobText().contains(QStringLiteral("cancelled"))) << w->jobText().toStdString();
  EXPECT_TRUE(w->errorText().isEmpty());
}

TEST_F(MainWindowTest, ClosingDuringAJobCancelsItAndReturnsPromptly) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 1); }));
  w->samplePanel()->setSteps(1000);
  w->runSample();
  ASSERT_TRUE(waitFor([&] { return w->jobText().startsWith(QStringLiteral("Sampling")); }));
  QElapsedTimer timer;
  timer.start();
  EXPECT_TRUE(w->close());
  // The worker stopped at its next network call and its thread was joined (1000 steps would run
  // for seconds; allow for a machine busy with other work).
  EXPECT_LT(timer.elapsed(), 10000);
  EXPECT_FALSE(w->samplePanel()->resultView()->caption().contains(QStringLiteral("1000 steps")));
  w.reset();
}

TEST_F(MainWindowTest, SettingsAreRememberedBetweenRuns) {
  {
    auto w = makeWindow();
    ASSERT_TRUE(waitModel(*w));
    w->samplePanel()->setSteps(37);
    w->resize(1001, 702);
    w->close();
  }
  auto w = makeWindow(/*withModel=*/false);  // the last model comes from the settings
  EXPECT_EQ(w->samplePanel()->request().options.steps, 37);
  EXPECT_EQ(w->size(), QSize(1001, 702));
  ASSERT_TRUE(waitModel(*w));
  EXPECT_TRUE(w->modelText().contains(QStringLiteral("tiny")));
  EXPECT_EQ(w->settings().recentModels().value(0), modelFolder());
}

TEST_F(MainWindowTest, PasteAndDropLoadImages) {
  auto w = makeWindow();
  ASSERT_TRUE(waitModel(*w));
  QGuiApplication::clipboard()->setImage(ddim_test::makePicture(30, 20));
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->paste(); }));
  EXPECT_EQ(w->imagePanel()->inputView()->image().size(), QSize(30, 20));
  EXPECT_TRUE(w->imagePanel()->inputView()->caption().contains(QStringLiteral("pasted")));

  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(samplePath())});
  QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(w.get(), &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  ASSERT_TRUE(
      waitJob(*w, JobKind::kLoadImage, [&] { QCoreApplication::sendEvent(w.get(), &drop); }));
  EXPECT_EQ(w->imagePanel()->inputView()->image().size(), QSize(48, 40));
  EXPECT_EQ(w->settings().recentImages().value(0), samplePath());
}

}  // namespace
