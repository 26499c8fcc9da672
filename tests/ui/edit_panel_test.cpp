// The Edit tab: its canvas and undo history on their own, then in the real window with the
// worker on a tiny model, offscreen, driven as a person would.
#include "edit_panel.h"

#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QUndoView>
#include <QWheelEvent>
#include <algorithm>
#include <cstdlib>
#include <memory>

#include "app_settings.h"
#include "image_view.h"
#include "interpolation_panel.h"
#include "latent_panel.h"
#include "main_window.h"
#include "test_util.h"
#include "tiny_model.h"
#include "window_test_util.h"
#include "worker_host.h"

namespace {

using ddim_test::waitFor;

constexpr QRgb kRed = 0xffff0000;

/// A 16 x 16 picture with every pixel different from pure red.
QImage picture16() { return ddim_test::makePicture(16, 16).convertToFormat(QImage::Format_RGB32); }

ImageInfo infoFor(const QImage& view) {
  ImageInfo info;
  info.name = QStringLiteral("picture.png");
  info.modelView = view;
  return info;
}

/// The largest difference of any channel of any pixel in `rect` between a and b.
int maxDifference(const QImage& a, const QImage& b, const QRect& rect) {
  int worst = 0;
  for (int y = rect.top(); y <= rect.bottom(); ++y) {
    for (int x = rect.left(); x <= rect.right(); ++x) {
      const QRgb p = a.pixel(x, y);
      const QRgb q = b.pixel(x, y);
      worst = std::max({worst, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                        std::abs(qBlue(p) - qBlue(q))});
    }
  }
  return worst;
}

TEST(EditCanvasTest, StrokeChangesTheCanvasAndUndoRestoresItExactly) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  const QImage original = canvas->image();
  ASSERT_EQ(original.size(), QSize(16, 16));
  const int stepsBefore = panel.undoStack()->count();

  canvas->setTool(EditTool::kBrush);
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->setBrushSize(3);
  canvas->stroke({QPointF(3.5, 8.5), QPointF(12.5, 8.5)});
  const QImage painted = canvas->image();
  EXPECT_EQ(painted.pixel(8, 8), kRed);
  EXPECT_EQ(painted.pixel(3, 8), kRed);
  EXPECT_EQ(painted.pixel(8, 1), original.pixel(8, 1));  // far from the stroke
  EXPECT_NE(original.pixel(8, 8), kRed);
  EXPECT_EQ(panel.undoStack()->count(), stepsBefore + 1);

  panel.undoStack()->undo();
  EXPECT_EQ(canvas->image(), original);
  panel.undoStack()->redo();
  EXPECT_EQ(canvas->image(), painted);
}

TEST(EditCanvasTest, ThePanelFitsTheWindowsSmallestSize) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  // The smallest window is 900 px wide, and the image panel beside the tabs shrinks to about 110;
  // the default window is 760 px high, of which menus, the model line, the tab bar, the job bar
  // and the status bar take about 160.
  EXPECT_LE(panel.minimumSizeHint().width(), 720);
  EXPECT_LE(panel.minimumSizeHint().height(), 560);
}

TEST(EditCanvasTest, MouseDragPaintsAsAPersonWould) {
  EditPanel panel;
  panel.resize(900, 700);
  panel.show();
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  canvas->setZoom(10);
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->setBrushSize(1);
  const QImage original = canvas->image();
  QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(25, 55));  // image pixel (2, 5)
  QTest::mouseMove(canvas, QPoint(95, 55));                       // to pixel (9, 5)
  QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(95, 55));
  for (int x = 2; x <= 9; ++x) EXPECT_EQ(canvas->image().pixel(x, 5), kRed) << x;
  EXPECT_EQ(canvas->image().pixel(2, 6), original.pixel(2, 6));
  EXPECT_EQ(panel.undoStack()->undoText(), QStringLiteral("Brush"));
}

TEST(EditCanvasTest, EraserPaintsTheOriginalBack) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  const QImage original = canvas->image();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->setBrushSize(6);
  canvas->stroke({QPointF(8, 8)});
  ASSERT_NE(canvas->image(), original);
  canvas->setTool(EditTool::kEraser);
  canvas->setBrushSize(12);
  canvas->stroke({QPointF(8, 8)});
  EXPECT_EQ(canvas->image(), original);
  EXPECT_EQ(panel.undoStack()->undoText(), QStringLiteral("Erase"));
}

TEST(EditCanvasTest, HoldingBeforeShowsTheOriginalThenTheEdit) {
  EditPanel panel;
  panel.resize(900, 700);
  panel.show();
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  canvas->setZoom(4);
  const QRgb original = canvas->image().pixel(8, 8);
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->setBrushSize(6);
  canvas->stroke({QPointF(8, 8)});
  const QPoint centre(8 * 4 + 2, 8 * 4 + 2);  // model pixel (8, 8) on screen
  EXPECT_EQ(canvas->grab().toImage().pixel(centre), kRed);
  QTest::keyPress(canvas, Qt::Key_Backslash);
  EXPECT_TRUE(canvas->showingBefore());
  EXPECT_EQ(canvas->grab().toImage().pixel(centre), original);
  QTest::keyRelease(canvas, Qt::Key_Backslash);
  EXPECT_FALSE(canvas->showingBefore());
  EXPECT_EQ(canvas->grab().toImage().pixel(centre), kRed);
}

TEST(EditCanvasTest, EyedropperPicksThePixelsColourWithoutAnUndoStep) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  QSignalSpy picked(canvas, &EditCanvas::colorPicked);
  const int steps = panel.undoStack()->count();
  canvas->setTool(EditTool::kEyedropper);
  canvas->stroke({QPointF(1.5, 14.5)});
  ASSERT_EQ(picked.size(), 1);
  EXPECT_EQ(canvas->color().rgb(), canvas->image().pixel(1, 14));
  EXPECT_EQ(panel.undoStack()->count(), steps);
}

TEST(EditCanvasTest, MaskBrushClearAndInvertLeaveTheImageAndUndo) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  const QImage original = canvas->image();
  EXPECT_FALSE(canvas->hasMask());
  EXPECT_TRUE(panel.request().mask.isNull());  // no mask: an edit of the whole image

  canvas->setTool(EditTool::kMask);
  canvas->setBrushSize(4);
  canvas->stroke({QPointF(8, 8)});
  EXPECT_TRUE(canvas->hasMask());
  EXPECT_EQ(qGray(canvas->mask().pixel(8, 8)), 255);
  EXPECT_EQ(qGray(canvas->mask().pixel(0, 0)), 0);
  EXPECT_EQ(canvas->image(), original);  // the mask is not painted into the image
  EXPECT_EQ(panel.request().mask.pixel(8, 8), canvas->mask().pixel(8, 8));

  panel.invertMask();
  EXPECT_EQ(qGray(canvas->mask().pixel(8, 8)), 0);
  EXPECT_EQ(qGray(canvas->mask().pixel(0, 0)), 255);
  canvas->setTool(EditTool::kMaskEraser);
  canvas->setBrushSize(2);
  canvas->stroke({QPointF(0.5, 0.5)});
  EXPECT_EQ(qGray(canvas->mask().pixel(0, 0)), 0);
  panel.clearMask();
  EXPECT_FALSE(canvas->hasMask());

  panel.undoStack()->undo();  // clear
  panel.undoStack()->undo();  // unmask stroke
  EXPECT_EQ(qGray(canvas->mask().pixel(0, 0)), 255);
  panel.undoStack()->undo();  // invert
  EXPECT_EQ(qGray(canvas->mask().pixel(8, 8)), 255);
  EXPECT_EQ(qGray(canvas->mask().pixel(0, 0)), 0);
}

TEST(EditCanvasTest, HistoryListJumpsBackAndForth) {
  EditPanel panel;
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  const QImage original = canvas->image();
  const int opened = panel.undoStack()->index();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->stroke({QPointF(2, 2)});
  const QImage one = canvas->image();
  canvas->setColor(Qt::black);
  canvas->stroke({QPointF(12, 12)});
  const QImage two = canvas->image();
  QUndoView* history = panel.historyView();
  history->setCurrentIndex(history->model()->index(opened, 0));  // a click on "Open ..."
  EXPECT_EQ(canvas->image(), original);
  history->setCurrentIndex(history->model()->index(opened + 2, 0));
  EXPECT_EQ(canvas->image(), two);
  history->setCurrentIndex(history->model()->index(opened + 1, 0));
  EXPECT_EQ(canvas->image(), one);
}

TEST(EditCanvasTest, ZoomsByWheelAndKeysInWholeFactorsAndFits) {
  EditPanel panel;
  panel.resize(900, 700);
  panel.show();
  panel.activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(&panel));
  panel.onImageLoaded(infoFor(picture16()));
  EditCanvas* canvas = panel.canvas();
  EXPECT_EQ(canvas->fitZoom(QSize(100, 120)), 6);  // 100 / 16 = 6.25: the whole factor below
  EXPECT_EQ(canvas->fitZoom(QSize(12, 12)), 0.5);
  canvas->setZoom(4);
  EXPECT_EQ(canvas->size(), QSize(64, 64));
  QWheelEvent wheel(QPointF(10, 10), canvas->mapToGlobal(QPointF(10, 10)), QPoint(), QPoint(0, 120),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(canvas, &wheel);
  EXPECT_EQ(canvas->zoom(), 5);
  EXPECT_EQ(canvas->size(), QSize(80, 80));
  panel.zoomOut();
  panel.zoomOut();
  EXPECT_EQ(canvas->zoom(), 3);
  QTest::keyClick(canvas, Qt::Key_Equal, Qt::ControlModifier);
  EXPECT_EQ(canvas->zoom(), 4);
  panel.fitToView();
  const double fit = canvas->zoom();
  EXPECT_EQ(fit, std::floor(fit));  // whole factors above 1: crisp pixels
  EXPECT_GE(fit, 10);               // a 16 px image shown large in a 900 x 700 panel
  EXPECT_LE(canvas->width(), panel.width());
}

class EditWindowTest : public ::testing::Test {
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
    const QString settingsPath = out_.filePath(QStringLiteral("settings.ini"));
    {
      AppSettings settings(settingsPath);
      settings.setValue(QStringLiteral("edit/steps"), 6);
      settings.setValue(QStringLiteral("edit/livePreview"), false);
      settings.sync();
    }
    window_ = std::make_unique<MainWindow>(
        ddim_test::tinyWindowOptions(settingsPath, dir_->filePath(QStringLiteral("tiny"))));
    window_->show();
    window_->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
    ASSERT_TRUE(waitFor([&] { return window_->modelLoaded() && !window_->busy(); }));
    panel_ = window_->editPanel();
    window_->tabs()->setCurrentWidget(panel_);
    ASSERT_TRUE(runJob(JobKind::kLoadImage, [&] {
      window_->openImageFile(dir_->filePath(QStringLiteral("disc.png")));
    }));
    ASSERT_EQ(panel_->canvas()->image().size(), QSize(16, 16));
  }

  /// Starts a job and waits for the window to report its end; whether it succeeded.
  bool runJob(JobKind kind, const std::function<void()>& start) {
    return ddim_test::runWindowJob(*window_, kind, start);
  }

  static QTemporaryDir* dir_;
  QTemporaryDir out_;
  std::unique_ptr<MainWindow> window_;
  EditPanel* panel_ = nullptr;
};

QTemporaryDir* EditWindowTest::dir_ = nullptr;

TEST_F(EditWindowTest, ApplyGivesCountResultsTheFirstBecomesTheImageAndUndoRestores) {
  EditCanvas* canvas = panel_->canvas();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->setBrushSize(4);
  canvas->stroke({QPointF(4, 4), QPointF(12, 12)});
  const QImage painted = canvas->image();
  panel_->setCount(3);
  panel_->setSeed(5);
  panel_->setStrength(0.6);
  const int steps = panel_->undoStack()->count();
  ASSERT_TRUE(runJob(JobKind::kEdit, [&] { panel_->applyButton()->click(); }))
      << window_->errorText().toStdString();
  ASSERT_EQ(panel_->resultsList()->count(), 3);
  ASSERT_EQ(panel_->resultImages().size(), 3);
  EXPECT_EQ(panel_->resultImages()[0].size(), QSize(16, 16));
  EXPECT_NE(panel_->resultImages()[0], panel_->resultImages()[1]);  // seeds 5 and 6
  EXPECT_EQ(canvas->image(), panel_->resultImages()[0].convertToFormat(QImage::Format_RGB32));
  EXPECT_NE(canvas->image(), painted);
  EXPECT_EQ(panel_->undoStack()->count(), steps + 1);
  EXPECT_TRUE(panel_->undoStack()->undoText().contains(QStringLiteral("strength 0.60")));
  EXPECT_TRUE(panel_->statusText().contains(QStringLiteral("3 results")))
      << panel_->statusText().toStdString();

  // A click on the third thumbnail makes it the image; undo goes back through both.
  QListWidget* list = panel_->resultsList();
  const QRect third = list->visualItemRect(list->item(2));
  QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, third.center());
  EXPECT_EQ(canvas->image(), panel_->resultImages()[2].convertToFormat(QImage::Format_RGB32));
  panel_->undoStack()->undo();
  EXPECT_EQ(canvas->image(), panel_->resultImages()[0].convertToFormat(QImage::Format_RGB32));
  QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);  // Ctrl+Z, as a person would
  EXPECT_EQ(canvas->image(), painted);
  QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_EQ(canvas->image(), panel_->resultImages()[0].convertToFormat(QImage::Format_RGB32));
}

TEST_F(EditWindowTest, AMaskedEditKeepsTheRestOfTheImage) {
  EditCanvas* canvas = panel_->canvas();
  const QImage before = canvas->image();
  canvas->setTool(EditTool::kMask);
  canvas->setBrushSize(8);
  canvas->stroke({QPointF(4, 4), QPointF(4, 12)});  // the left part
  panel_->setCount(2);
  panel_->setStrength(1.0);
  ASSERT_TRUE(runJob(JobKind::kEdit, [&] { panel_->applyButton()->click(); }))
      << window_->errorText().toStdString();
  ASSERT_EQ(panel_->resultImages().size(), 2);
  EXPECT_TRUE(panel_->statusText().contains(QStringLiteral("masked")));
  for (const QImage& result : panel_->resultImages()) {
    EXPECT_LE(maxDifference(result, before, QRect(10, 0, 6, 16)), 2);  // kept: within 2/255
    EXPECT_GT(maxDifference(result, before, QRect(2, 6, 4, 4)), 2);    // regenerated
  }
  EXPECT_TRUE(canvas->hasMask());  // kept for another try
}

TEST_F(EditWindowTest, LoadingAModelKeepsThePaintingReopeningTheImageStartsAgain) {
  EditCanvas* canvas = panel_->canvas();
  const QImage opened = canvas->image();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->stroke({QPointF(8, 8)});
  const QImage painted = canvas->image();
  ModelRequest model;
  model.folder = dir_->filePath(QStringLiteral("tiny"));
  ASSERT_TRUE(runJob(JobKind::kLoadModel, [&] { window_->openModel(model); }));
  EXPECT_EQ(canvas->image(), painted);
  ASSERT_TRUE(runJob(JobKind::kLoadImage,
                     [&] { window_->openImageFile(dir_->filePath(QStringLiteral("disc.png"))); }));
  EXPECT_EQ(canvas->image(), opened);
  panel_->undoStack()->undo();  // opening is a step too
  EXPECT_EQ(canvas->image(), painted);
}

TEST_F(EditWindowTest, CancelLeavesTheImageAndNoResults) {
  EditCanvas* canvas = panel_->canvas();
  const QImage before = canvas->image();
  const int steps = panel_->undoStack()->count();
  EditRequest request = panel_->request();
  request.options.steps = 1000;  // long enough to be cancelled part way
  request.options.strength = 1.0;
  request.options.count = 4;
  QSignalSpy ended(window_.get(), &MainWindow::jobEnded);
  window_->host()->edit(request);
  ASSERT_TRUE(waitFor([&] { return window_->jobText().contains(QStringLiteral("Editing")); }));
  window_->cancelJob();
  ASSERT_TRUE(waitFor([&] { return !ended.isEmpty(); }));
  EXPECT_EQ(ended.at(0).at(0).value<JobKind>(), JobKind::kEdit);
  EXPECT_FALSE(ended.at(0).at(1).toBool());
  EXPECT_TRUE(window_->jobText().contains(QStringLiteral("cancelled")))
      << window_->jobText().toStdString();
  EXPECT_EQ(canvas->image(), before);
  EXPECT_EQ(panel_->resultsList()->count(), 0);
  EXPECT_EQ(panel_->undoStack()->count(), steps);
}

TEST_F(EditWindowTest, AFailedEditSaysWhyAndKeepsTheImage) {
  EditCanvas* canvas = panel_->canvas();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->stroke({QPointF(8, 8)});
  const QImage painted = canvas->image();
  const int steps = panel_->undoStack()->count();
  EditRequest request = panel_->request();
  request.options.steps = 5000;  // more than the model's T = 1000
  ASSERT_FALSE(runJob(JobKind::kEdit, [&] { window_->host()->edit(request); }));
  EXPECT_TRUE(window_->errorText().startsWith(QStringLiteral("Cannot edit:")))
      << window_->errorText().toStdString();
  EXPECT_EQ(canvas->image(), painted);
  EXPECT_EQ(panel_->undoStack()->count(), steps);
  EXPECT_EQ(panel_->resultsList()->count(), 0);
}

TEST_F(EditWindowTest, StrengthSliderPreviewsWhileItMoves) {
  panel_->findChild<QCheckBox*>(QStringLiteral("livePreview"))->setChecked(true);
  QSlider* slider = panel_->strengthSlider();
  for (int v = 30; v <= 60; v += 10) {
    slider->setValue(v);
    QTest::qWait(10);
  }
  ASSERT_TRUE(waitFor([&] {
    return panel_->previewView()->caption().startsWith(QStringLiteral("strength 0.60"));
  })) << panel_->previewView()->caption().toStdString();
  EXPECT_GE(panel_->previewsShown(), 1);
  EXPECT_EQ(panel_->previewView()->image().size(), QSize(16, 16));
}

// Changes made while another tab is shown start no edit in the background (with a 256-pixel model
// one would hold the worker for minutes); showing the Edit tab again runs the preview they asked
// for.
TEST_F(EditWindowTest, NoPreviewRunsWhileTheTabIsHiddenShowingItRunsOne) {
  panel_->findChild<QCheckBox*>(QStringLiteral("livePreview"))->setChecked(true);
  window_->tabs()->setCurrentWidget(window_->interpolationPanel());
  ASSERT_FALSE(panel_->isVisible());
  const int shown = panel_->previewsShown();
  panel_->strengthSlider()->setValue(panel_->strengthSlider()->value() == 70 ? 80 : 70);
  QTest::qWait(400);  // ten times the debounce, and time for a tiny-model preview to finish
  EXPECT_EQ(panel_->previewsShown(), shown);
  window_->tabs()->setCurrentWidget(panel_);
  ASSERT_TRUE(waitFor([&] { return panel_->previewsShown() > shown; }))
      << panel_->previewView()->caption().toStdString();
}

TEST_F(EditWindowTest, TheEditedImageInvertsIntoALatent) {
  EditCanvas* canvas = panel_->canvas();
  canvas->setColor(QColor::fromRgb(kRed));
  canvas->stroke({QPointF(8, 8)});
  InterpolationPanel* interp = window_->interpolationPanel();
  ASSERT_TRUE(runJob(JobKind::kInvert, [&] {
    window_->editPanel()->findChild<QPushButton*>(QStringLiteral("invertB"))->click();
  })) << window_->errorText().toStdString();
  EXPECT_TRUE(interp->latentPanel(LatentSlot::kB)->hasLatent());
}

}  // namespace
