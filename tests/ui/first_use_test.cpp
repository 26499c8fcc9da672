// The window as a new user meets it (issue 14): a layout that holds still, an error banner that
// can be dismissed, results that belong to the image on show, Ctrl+V anywhere, ordinary images
// that open, and texts that say what the numbers mean. Offscreen, on a tiny model.
#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <algorithm>
#include <opencv2/imgcodecs.hpp>

#include "app_settings.h"
#include "compare_panel.h"
#include "error_banner.h"
#include "gif_writer.h"
#include "image_panel.h"
#include "image_view.h"
#include "interpolation_panel.h"
#include "invert_panel.h"
#include "job_bar.h"
#include "latent_panel.h"
#include "main_window.h"
#include "sample_panel.h"
#include "test_util.h"
#include "tiny_model.h"
#include "window_test_util.h"
#include "worker_host.h"

namespace {

using ddim_test::waitFor;

class FirstUseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new QTemporaryDir;
    ddim_test::writeTinyModel(dir_->filePath(QStringLiteral("tiny")).toStdString());
    ddim_test::makePicture(48, 40).save(dir_->filePath(QStringLiteral("disc.png")));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(out_.isValid());
    settingsPath_ = out_.filePath(QStringLiteral("settings.ini"));
    AppSettings settings(settingsPath_);  // small jobs: the tiny model on two cores
    settings.setValue(QStringLiteral("invert/steps"), 4);
    settings.setValue(QStringLiteral("sample/steps"), 4);
    settings.setValue(QStringLiteral("interp/steps"), 3);
    settings.setValue(QStringLiteral("interp/cacheFrames"), 5);
    settings.setValue(QStringLiteral("interp/even"), false);
    settings.sync();
  }

  std::unique_ptr<MainWindow> makeWindow(QSize size = QSize(1280, 800)) {
    auto window = std::make_unique<MainWindow>(
        ddim_test::tinyWindowOptions(settingsPath_, dir_->filePath(QStringLiteral("tiny"))));
    FileDialogs dialogs;
    dialogs.openFile = [this](QWidget*, const QString&, const QString& filter) {
      lastFilter_ = filter;
      return nextOpen_;
    };
    window->setFileDialogs(dialogs);
    window->resize(size);
    window->show();
    EXPECT_TRUE(waitFor([&] { return window->modelLoaded() && !window->busy(); }));
    return window;
  }

  static QString picture() { return dir_->filePath(QStringLiteral("disc.png")); }

  static bool waitJob(MainWindow& w, JobKind kind, const std::function<void()>& start) {
    return ddim_test::runWindowJob(w, kind, start);
  }

  /// Where each part of the window lies, in window coordinates.
  static std::vector<QRect> layoutOf(const std::vector<QWidget*>& widgets, QWidget* window) {
    std::vector<QRect> rects;
    for (QWidget* w : widgets) rects.emplace_back(w->mapTo(window, QPoint(0, 0)), w->size());
    return rects;
  }

  static QTemporaryDir* dir_;
  QTemporaryDir out_;
  QString settingsPath_;
  QString nextOpen_;
  QString lastFilter_;
};

QTemporaryDir* FirstUseTest::dir_ = nullptr;

/// Saves a grab of `window` as NAME.png into $DDIM_TEST_GRAB_DIR when it is set, for a person to
/// look at (run under Xvfb with QT_QPA_PLATFORM=xcb to see the real window).
void saveGrab(QWidget* window, const QString& name) {
  const QString dir = qEnvironmentVariable("DDIM_TEST_GRAB_DIR");
  if (!dir.isEmpty()) window->grab().save(QDir(dir).filePath(name + QStringLiteral(".png")));
}

QRect sliderHandle(QSlider* slider) {
  QStyleOptionSlider option;
  option.initFrom(slider);
  option.orientation = slider->orientation();
  option.minimum = slider->minimum();
  option.maximum = slider->maximum();
  option.sliderPosition = slider->sliderPosition();
  option.sliderValue = slider->value();
  option.subControls = QStyle::SC_All;
  return slider->style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle,
                                         slider);
}

// Item 1: nothing moves while the slider is dragged, nor when the latency figures arrive; the
// handle stays under the pointer and a drag past the left end reaches 0.
TEST_F(FirstUseTest, TheLayoutHoldsStillWhileTheSliderIsDragged) {
  for (const QSize size : {QSize(1280, 800), QSize(1600, 1000)}) {
    auto w = makeWindow(size);
    InterpolationPanel* interp = w->interpolationPanel();
    w->tabs()->setCurrentWidget(interp);
    ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
    ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 4); }));
    ASSERT_TRUE(waitFor([&] { return interp->cachedFrames() >= 5; }));
    QTest::qWait(50);
    QSlider* slider = interp->slider();
    const std::vector<QWidget*> parts = {w->imagePanel(), w->tabs(), slider, interp->frameView()};
    const std::vector<QRect> before = layoutOf(parts, w.get());
    saveGrab(w.get(), QStringLiteral("slider-before-%1").arg(size.width()));
    EXPECT_EQ(interp->latency().moves, 0);
    EXPECT_TRUE(slider->statusTip().contains(QStringLiteral("not measured yet")));

    const QPoint start = sliderHandle(slider).center();
    QTest::mousePress(slider, Qt::LeftButton, Qt::NoModifier, start);
    for (int x = start.x(); x > -40; x -= 6) {
      QTest::mouseMove(slider, QPoint(x, start.y()));
      QTest::qWait(10);
      ASSERT_EQ(layoutOf(parts, w.get()), before) << "moved during the drag at x = " << x;
      if (x >= 0) {  // the handle follows the pointer
        EXPECT_NEAR(sliderHandle(slider).center().x(),
                    std::max(x, sliderHandle(slider).width() / 2),
                    sliderHandle(slider).width() / 2 + 1);
      }
    }
    QTest::mouseRelease(slider, Qt::LeftButton, Qt::NoModifier, QPoint(-40, start.y()));
    EXPECT_EQ(slider->value(), 0) << "a drag past the left end reaches it";
    ASSERT_TRUE(
        waitFor([&] { return interp->latency().moves > 0 && interp->shownAlpha() == 0.0; }));
    QTest::qWait(50);
    EXPECT_EQ(layoutOf(parts, w.get()), before) << "moved when the latency figures arrived";
    saveGrab(w.get(), QStringLiteral("slider-after-%1").arg(size.width()));
    EXPECT_TRUE(slider->statusTip().startsWith(QStringLiteral("Slider latency over")))
        << slider->statusTip().toStdString();
  }
}

// Item 1, with even spacing: a path that completes while the handle is held re-spaces the
// slider only after the release, so the handle never jumps under the pointer.
TEST_F(FirstUseTest, EvenSpacingWaitsForTheDragToEnd) {
  {
    AppSettings settings(settingsPath_);
    settings.setValue(QStringLiteral("interp/even"), true);
  }
  auto w = makeWindow();
  InterpolationPanel* interp = w->interpolationPanel();
  w->tabs()->setCurrentWidget(interp);
  ASSERT_TRUE(interp->evenCheck()->isChecked());
  QSlider* slider = interp->slider();
  const QPoint handle = sliderHandle(slider).center();
  QTest::mousePress(slider, Qt::LeftButton, Qt::NoModifier, handle);
  ASSERT_TRUE(slider->isSliderDown());
  const int held = slider->value();
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 4); }));
  ASSERT_TRUE(waitFor([&] { return interp->cachedFrames() >= 5 && !w->busy(); }));
  QTest::qWait(100);  // the path's distances have arrived
  EXPECT_TRUE(interp->sliderSpacing().isIdentity()) << "re-spaced under the pointer";
  EXPECT_EQ(slider->value(), held);
  EXPECT_TRUE(interp->cacheText().contains(QStringLiteral("spacing follows")))
      << interp->cacheText().toStdString();
  QTest::mouseRelease(slider, Qt::LeftButton, Qt::NoModifier, handle);
  EXPECT_FALSE(interp->sliderSpacing().isIdentity());
  EXPECT_TRUE(interp->cacheText().contains(QStringLiteral("evenly spaced")))
      << interp->cacheText().toStdString();
}

// Item 2: the banner floats over the window without pushing anything, and Dismiss hides it.
TEST_F(FirstUseTest, TheErrorBannerFloatsAndDismissHidesIt) {
  auto w = makeWindow();
  const std::vector<QWidget*> parts = {w->imagePanel(), w->tabs(), w->jobBar()};
  const std::vector<QRect> before = layoutOf(parts, w.get());
  EXPECT_FALSE(waitJob(*w, JobKind::kLoadImage,
                       [&] { w->openImageFile(out_.filePath(QStringLiteral("nope.png"))); }));
  ErrorBanner* banner = w->errorBanner();
  ASSERT_TRUE(banner->isVisible());
  EXPECT_TRUE(banner->message().contains(QStringLiteral("nope.png")));
  EXPECT_EQ(banner->width(), w->centralWidget()->width() - 8);
  QTest::qWait(20);
  EXPECT_EQ(layoutOf(parts, w.get()), before) << "the banner pushed the layout";
  saveGrab(w.get(), QStringLiteral("banner"));

  QTest::mouseClick(banner->dismissButton(), Qt::LeftButton);
  EXPECT_FALSE(banner->isVisible());
  EXPECT_TRUE(w->errorText().isEmpty());
  EXPECT_EQ(layoutOf(parts, w.get()), before);
}

// Item 3: a new image clears the Invert tab's results of the previous one.
TEST_F(FirstUseTest, OpeningAnImageClearsThePreviousImagesInversion) {
  auto w = makeWindow();
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(picture()); }));
  InvertPanel* panel = w->invertPanel();
  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { panel->invertButton()->click(); }));
  ASSERT_FALSE(panel->latentView()->image().isNull());
  ASSERT_TRUE(panel->errorText().contains(QStringLiteral("PSNR")));

  QGuiApplication::clipboard()->setImage(ddim_test::makePicture(30, 20));
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->paste(); }));
  EXPECT_TRUE(panel->latentView()->image().isNull());
  EXPECT_TRUE(panel->reconstructionView()->image().isNull());
  EXPECT_TRUE(panel->errorText().isEmpty()) << panel->errorText().toStdString();
  EXPECT_TRUE(panel->reportText().isEmpty());
}

// Item 4: Ctrl+V loads the clipboard's image with the focus in a spin box; in a text field it
// pastes text as text fields do.
TEST_F(FirstUseTest, CtrlVPastesAnImageWhereverTheFocusIsExceptInTextFields) {
  auto w = makeWindow();
  w->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(w.get()));
  w->tabs()->setCurrentWidget(w->invertPanel());
  auto* steps = w->invertPanel()->findChild<QSpinBox*>();
  ASSERT_NE(steps, nullptr);
  steps->setFocus();
  ASSERT_TRUE(waitFor([&] { return steps->hasFocus(); }));
  QGuiApplication::clipboard()->setImage(ddim_test::makePicture(30, 20));
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] {
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_V, Qt::ControlModifier);
  }));
  EXPECT_EQ(w->imagePanel()->inputView()->image().size(), QSize(30, 20));

  w->tabs()->setCurrentWidget(w->comparePanel());
  auto* counts = w->comparePanel()->findChild<QLineEdit*>();
  ASSERT_NE(counts, nullptr);
  counts->setFocus();
  counts->setText(QStringLiteral("2, "));
  ASSERT_TRUE(waitFor([&] { return counts->hasFocus(); }));
  QGuiApplication::clipboard()->setText(QStringLiteral("7"));
  QSignalSpy started(w->host(), &WorkerHost::busyChanged);
  QTest::keyClick(QApplication::focusWidget(), Qt::Key_V, Qt::ControlModifier);
  QTest::qWait(50);
  EXPECT_EQ(counts->text(), QStringLiteral("2, 7"));
  EXPECT_TRUE(started.isEmpty());
  EXPECT_TRUE(w->errorText().isEmpty()) << w->errorText().toStdString();
}

// Item 5, in the window: GIF is offered and opens (its first frame); a nearly black 16-bit image
// opens scaled by its range with a note; a broken file gives one line naming file and cause.
TEST_F(FirstUseTest, GifOpensAndDoubtfulOrBrokenImagesSaySo) {
  auto w = makeWindow();
  nextOpen_.clear();
  w->chooseImage();
  EXPECT_TRUE(lastFilter_.contains(QStringLiteral("*.gif"))) << lastFilter_.toStdString();

  const QString gif = out_.filePath(QStringLiteral("two.gif"));
  QString error;
  ASSERT_TRUE(GifWriter::write(
      gif, {ddim_test::makePicture(30, 20), QImage(30, 20, QImage::Format_RGB32)}, 100, &error))
      << error.toStdString();
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(gif); }))
      << w->errorText().toStdString();
  EXPECT_EQ(w->imagePanel()->inputView()->image().size(), QSize(30, 20));

  const QString dark = out_.filePath(QStringLiteral("dark16.png"));
  ASSERT_TRUE(cv::imwrite(dark.toStdString(), cv::Mat(8, 8, CV_16UC3, cv::Scalar(900, 900, 900))));
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(dark); }));
  EXPECT_TRUE(w->imagePanel()->inputView()->caption().contains(QStringLiteral("nearly black")))
      << w->imagePanel()->inputView()->caption().toStdString();

  const QString cut = out_.filePath(QStringLiteral("cut.jpg"));
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", cv::Mat(32, 32, CV_8UC3, cv::Scalar(10, 90, 200)), jpeg);
  QFile file(cut);
  ASSERT_TRUE(file.open(QIODevice::WriteOnly));
  file.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<qint64>(jpeg.size() / 2));
  file.close();
  EXPECT_FALSE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(cut); }));
  EXPECT_TRUE(w->errorText().contains(cut)) << w->errorText().toStdString();
  EXPECT_TRUE(w->errorText().contains(QStringLiteral("truncated"))) << w->errorText().toStdString();
}

// Item 6: a cancelled comparison says "cancelled" on the tiles that never ran, and the tab says
// which latent it compares.
TEST_F(FirstUseTest, ACancelledCompareMarksTheTilesThatNeverRan) {
  auto w = makeWindow();
  ComparePanel* compare = w->comparePanel();
  w->tabs()->setCurrentWidget(compare);
  w->samplePanel()->setSource(LatentSource::kA);
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  EXPECT_TRUE(compare->subjectText().contains(QStringLiteral("latent A (seed 3)")))
      << compare->subjectText().toStdString();
  compare->setStepCounts({2, 400, 900});
  QSignalSpy ended(w.get(), &MainWindow::jobEnded);
  w->runCompare();
  ASSERT_TRUE(waitFor([&] { return w->busy(); }));
  QTest::qWait(30);
  w->cancelJob();
  ASSERT_TRUE(waitFor([&] { return !ended.isEmpty(); }));
  EXPECT_FALSE(ended.front().at(1).toBool());
  EXPECT_EQ(compare->tilePlaceholder(2), QStringLiteral("cancelled"));
  QTest::qWait(20);
  saveGrab(w.get(), QStringLiteral("compare-cancelled"));
  const int counts[] = {2, 400, 900};
  for (int i = 0; i < 3; ++i) {
    const bool ran = std::any_of(compare->items().begin(), compare->items().end(),
                                 [&](const CompareItem& item) { return item.steps == counts[i]; });
    if (!ran) {
      EXPECT_EQ(compare->tilePlaceholder(i), QStringLiteral("cancelled")) << i;
    }
  }
}

// Item 7: the cache line says how many of the path frames the Cache field asks for are ready, and
// how many frames the slider added.
TEST_F(FirstUseTest, TheCacheLineSaysWhatItsNumbersMean) {
  auto w = makeWindow();
  InterpolationPanel* interp = w->interpolationPanel();
  w->tabs()->setCurrentWidget(interp);
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kB, 4); }));
  ASSERT_TRUE(waitFor([&] { return interp->cacheText().startsWith(QStringLiteral("5 of 5")); }))
      << interp->cacheText().toStdString();
  EXPECT_EQ(interp->cacheText(), QStringLiteral("5 of 5 path frames"));
  interp->setAlpha(0.3);  // between the path frames at 0.25 and 0.5
  ASSERT_TRUE(waitFor([&] { return interp->shownAlpha() == 0.3; }));
  EXPECT_EQ(interp->cacheText(), QStringLiteral("5 of 5 path frames, 1 slider frame"));
  saveGrab(w.get(), QStringLiteral("cache-line"));
}

// Item 8: the preview beside Cancel shows only while a job sends previews, and keeps its place.
TEST_F(FirstUseTest, ThePreviewShowsOnlyWhileAJobSendsPreviews) {
  auto w = makeWindow();
  JobBar* bar = w->jobBar();
  auto* cancel = bar->findChild<QPushButton*>();
  ASSERT_NE(cancel, nullptr);
  const QRect cancelBefore = cancel->geometry();
  EXPECT_FALSE(bar->previewShown());
  ASSERT_TRUE(waitJob(*w, JobKind::kLatent, [&] { w->latentFromSeed(LatentSlot::kA, 3); }));
  w->samplePanel()->setSource(LatentSource::kA);
  w->samplePanel()->setSteps(60);  // long enough for previews
  bool shown = false;
  ASSERT_TRUE(waitJob(*w, JobKind::kSample, [&] {
    w->runSample();
    waitFor([&] { return (shown = bar->previewShown()) || !w->busy(); });
  }));
  EXPECT_TRUE(shown);
  EXPECT_FALSE(bar->previewShown());
  EXPECT_EQ(cancel->geometry(), cancelBefore);
}

// Item 9: tooltips speak to a person first; an equation or section comes after the first
// sentence.
TEST_F(FirstUseTest, TooltipsPutThePaperAfterThePlainWords) {
  auto w = makeWindow();
  QStringList tips;
  for (QWidget* widget : w->findChildren<QWidget*>()) {
    if (!widget->toolTip().isEmpty()) tips << widget->toolTip();
    if (auto* combo = qobject_cast<QComboBox*>(widget)) {
      for (int i = 0; i < combo->count(); ++i) {
        tips << combo->itemData(i, Qt::ToolTipRole).toString();
      }
    }
  }
  ASSERT_GT(tips.size(), 20);
  for (const QString& tip : tips) {
    const QString first = tip.section(QRegularExpression(QStringLiteral("[.;\\n]\\s")), 0, 0);
    // A citation ends the sentence early ("paper Eq"): look for the word, not "Eq.".
    EXPECT_FALSE(first.contains(QRegularExpression(QStringLiteral("\\b(Eq|Sec)\\b"))))
        << tip.toStdString();
  }
}

// Item 10: where the image is shown, the window says the model sees 16 x 16 (the tiny model).
TEST_F(FirstUseTest, TheImagePanelSaysWhatSizeTheModelSees) {
  auto w = makeWindow();
  saveGrab(w.get(), QStringLiteral("first-start"));
  ImageView* model = w->imagePanel()->modelView();
  EXPECT_EQ(model->title(), QStringLiteral("Model sees 16 × 16"));
  EXPECT_TRUE(model->placeholder().contains(QStringLiteral("16 × 16 pixels")))
      << model->placeholder().toStdString();
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(picture()); }));
  EXPECT_TRUE(w->imagePanel()->inputView()->caption().contains(
      QStringLiteral("48 × 40 · the model sees 16 × 16")))
      << w->imagePanel()->inputView()->caption().toStdString();
  saveGrab(w.get(), QStringLiteral("image-open"));
}

// Item 11: one latent, one picture: the Invert tab and the Latents tab draw it alike.
TEST_F(FirstUseTest, TheInvertAndLatentsTabsDrawALatentAlike) {
  auto w = makeWindow();
  ASSERT_TRUE(waitJob(*w, JobKind::kLoadImage, [&] { w->openImageFile(picture()); }));
  ASSERT_TRUE(waitJob(*w, JobKind::kInvert, [&] { w->invertPanel()->invertButton()->click(); }));
  ImageView* invertView = w->invertPanel()->latentView();
  ImageView* latentsView = w->interpolationPanel()->latentPanel(LatentSlot::kA)->view();
  ASSERT_FALSE(invertView->image().isNull());
  EXPECT_EQ(invertView->image(), latentsView->image());
  EXPECT_EQ(invertView->toolTip(), latentsView->toolTip());
  EXPECT_EQ(invertView->title(), latentsView->title());
  saveGrab(w.get(), QStringLiteral("invert-latent"));
  w->tabs()->setCurrentWidget(w->interpolationPanel());
  QTest::qWait(20);
  saveGrab(w.get(), QStringLiteral("latents-latent"));
}

}  // namespace
