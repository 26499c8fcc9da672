#include "demo_runner.h"

#include <QDir>
#include <QFileInfo>
#include <QPixmap>
#include <QSlider>
#include <QTabWidget>
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "app_menus.h"
#include "compare_panel.h"
#include "edit_canvas.h"
#include "edit_panel.h"
#include "image_view.h"
#include "interpolation_panel.h"
#include "invert_panel.h"
#include "latent_panel.h"
#include "main_window.h"
#include "sample_panel.h"

namespace {
constexpr int kStageTimeoutMs = 10 * 60 * 1000;
constexpr int kDragFrom = 20;
constexpr int kDragTo = 70;
// Single slider moves, each waited out: the time until the exact frame is painted. Without even
// spacing they fall between cached frames (multiples of 0.05); with it they map to re-spaced
// alphas, which are cached ones only by chance. The frame is exact when its alpha is the slider's.
constexpr int kSettleAt[] = {33, 47, 61, 79, 87};
}  // namespace

DemoRunner::DemoRunner(MainWindow* window, const QString& outDir, const QString& image)
    : QObject(window), window_(window), outDir_(outDir), image_(image) {
  QDir().mkpath(outDir_);
  MainWindow* w = window_;
  InterpolationPanel* interp = w->interpolationPanel();
  auto idle = [w] { return !w->busy(); };

  stages_ = {
      {QStringLiteral("model"), [] {}, idle, {}},
      {QStringLiteral("image"),
       [this, w] {
         if (image_.isEmpty()) image_ = AppMenus::sampleImages().value(0);
         w->openImageFile(image_);
       },
       idle,
       {}},
      {QStringLiteral("invert"),
       [w] {
         w->tabs()->setCurrentWidget(w->invertPanel());
         w->invertPanel()->setTarget(LatentSlot::kA);
         w->runInvert();
       },
       idle, QStringLiteral("01-invert.png")},
      {QStringLiteral("image B"),
       [this, w] {
         const QStringList samples = AppMenus::sampleImages();
         QString second;
         for (const QString& path : samples) {
           if (QFileInfo(path) != QFileInfo(image_)) second = path;
           if (!second.isEmpty() && path.contains(QStringLiteral("flower"))) break;
         }
         if (second.isEmpty()) {
           w->latentFromSeed(LatentSlot::kB, 7);  // no second picture: noise from a seed
         } else {
           w->openImageFile(second);
         }
       },
       idle,
       {}},
      {QStringLiteral("invert B"),
       [w, interp] {
         if (interp->latentPanel(LatentSlot::kB)->hasLatent()) return;
         w->invertPanel()->setTarget(LatentSlot::kB);
         w->runInvert();
       },
       idle,
       {}},
      {QStringLiteral("cache"),
       [w, interp] {
         w->tabs()->setCurrentWidget(interp);
         interp->slider()->setValue(kDragFrom);
       },
       [w, interp] { return !w->busy() && interp->cachedFrames() >= 21; },
       {}},
      {QStringLiteral("drag"),
       [this, interp] {
         dragValue_ = kDragFrom;
         connect(&dragTimer_, &QTimer::timeout, this, [this, interp] {
           interp->slider()->setValue(++dragValue_);
           if (dragValue_ >= kDragTo) dragTimer_.stop();
         });
         dragTimer_.start(30);  // a brisk drag: ~33 positions a second
       },
       [this, interp] { return !dragTimer_.isActive() && interp->shownAlpha() == interp->alpha(); },
       QStringLiteral("02-interpolation.png")},
      {QStringLiteral("settle"),
       [this, interp] {
         settleIndex_ = 0;
         interp->slider()->setValue(kSettleAt[0]);
       },
       [this, interp] {
         if (interp->shownAlpha() != interp->alpha()) return false;
         if (++settleIndex_ == static_cast<int>(std::size(kSettleAt))) return true;
         interp->slider()->setValue(kSettleAt[settleIndex_]);
         return false;
       },
       {}},
      {QStringLiteral("sample"),
       [w] {
         w->tabs()->setCurrentWidget(w->samplePanel());
         w->samplePanel()->setSource(LatentSource::kPath);
         w->runSample();
       },
       idle, QStringLiteral("03-sample.png")},
      {QStringLiteral("compare"),
       [w] {
         w->tabs()->setCurrentWidget(w->comparePanel());
         w->comparePanel()->setStepCounts({5, 10, 20, 50, 100, 1000});
         w->runCompare();
       },
       idle, QStringLiteral("04-compare.png")},
      {QStringLiteral("export"),
       [this, w] {
         FileDialogs d;
         d.saveFile = [this](QWidget*, const QString&, const QString& suggested, const QString&) {
           return QDir(outDir_).filePath(QFileInfo(suggested).fileName());
         };
         d.confirmOverwrite = [](QWidget*, const QString&) { return true; };
         w->setFileDialogs(d);
         w->exportImage(w->comparePanel()->gridImage(), QStringLiteral("step-comparison.png"));
         w->exportFilmstrip(FilmstripFormat::kGif);
         w->exportFilmstrip(FilmstripFormat::kMp4);
       },
       idle,
       {}},
      {QStringLiteral("main"),
       [w, interp] {
         w->tabs()->setCurrentWidget(interp);
         interp->setAlpha(0.5);
       },
       [w, interp] { return !w->busy() && interp->shownAlpha() == interp->alpha(); },
       QStringLiteral("main.png")},
      {QStringLiteral("edit paint"),
       [w] {
         // The face flow: a yellow disc with two dark dots on white, strength 0.5, 4 seeds.
         EditPanel* edit = w->editPanel();
         w->tabs()->setCurrentWidget(edit);
         edit->newImage();
         EditCanvas* canvas = edit->canvas();
         const double c = canvas->image().width() / 2.0;
         canvas->setTool(EditTool::kBrush);
         canvas->setColor(QColor(250, 205, 40));
         canvas->setBrushSize(static_cast<int>(c * 1.6));
         canvas->stroke({QPointF(c, c)});
         canvas->setColor(QColor(60, 40, 20));
         canvas->setBrushSize(std::max(2, static_cast<int>(c / 4)));
         canvas->stroke({QPointF(c * 0.7, c * 0.8)});
         canvas->stroke({QPointF(c * 1.3, c * 0.8)});
         edit->setSeed(0);
         edit->setCount(4);
         edit->setStrength(0.45);
       },
       [w] { return w->editPanel()->previewView()->caption().startsWith("strength 0.45"); },
       {}},
      {QStringLiteral("edit strength"),
       [w] { w->editPanel()->setStrength(0.5); },
       [w] { return w->editPanel()->previewView()->caption().startsWith("strength 0.50"); },
       {}},
      {QStringLiteral("edit apply"), [w] { w->runEdit(); }, idle, {}},
      {QStringLiteral("edit choose"), [w] { w->editPanel()->chooseResult(2); }, idle,
       QStringLiteral("05-edit.png")},
  };
  connect(&timer_, &QTimer::timeout, this, &DemoRunner::poll);
}

void DemoRunner::start() {
  index_ = 0;
  acted_ = false;
  stageTimer_.start();
  timer_.start(50);
}

void DemoRunner::poll() {
  if (index_ >= stages_.size()) return;
  Stage& stage = stages_[index_];
  if (!acted_) {
    if (index_ == 1 && !window_->modelLoaded()) {
      grab(QStringLiteral("00-no-model.png"));
      finish(false, tr("no model loaded: %1").arg(window_->errorText()));
      return;
    }
    std::printf("demo: %s\n", qPrintable(stage.name));
    std::fflush(stdout);
    stage.act();
    acted_ = true;
    stageTimer_.start();
    return;  // let the job start before testing readiness
  }
  if (!stage.ready()) {
    if (stageTimer_.elapsed() > kStageTimeoutMs)
      finish(false, tr("timed out at %1").arg(stage.name));
    return;
  }
  if (!window_->errorText().isEmpty()) {
    std::printf("demo: error shown: %s\n", qPrintable(window_->errorText()));
  }
  if (stage.name == QStringLiteral("drag")) {
    const LatencyStats s = window_->interpolationPanel()->latency();
    std::printf(
        "demo: slider latency over %d moves: first frame median %.1f ms (max %.1f), "
        "exact frame median %.1f ms (max %.1f, %d exact)\n",
        s.moves, s.firstMedianMs, s.firstMaxMs, s.exactMedianMs, s.exactMaxMs, s.exact);
    std::printf("demo: per move (ms):");
    for (double ms : window_->interpolationPanel()->firstFrameLatencies()) std::printf(" %.0f", ms);
    std::printf("\n");
  }
  if (stage.name == QStringLiteral("settle")) {
    const auto& exact = window_->interpolationPanel()->exactFrameLatencies();
    std::printf("demo: exact frame after a single move (ms):");
    for (size_t i = exact.size() - std::min(exact.size(), std::size(kSettleAt)); i < exact.size();
         ++i) {
      std::printf(" %.0f", exact[i]);
    }
    std::printf("\n");
  }
  if (stage.name.startsWith(QStringLiteral("edit"))) {
    std::printf("demo: edit preview: %s; %s\n",
                qPrintable(window_->editPanel()->previewView()->caption()),
                qPrintable(window_->editPanel()->statusText()));
  }
  if (!stage.grabFile.isEmpty()) grab(stage.grabFile);
  ++index_;
  acted_ = false;
  if (index_ >= stages_.size()) finish(true, tr("screenshots saved in %1").arg(outDir_));
}

void DemoRunner::grab(const QString& file) {
  const QString path = QDir(outDir_).filePath(file);
  if (!window_->grab().save(path)) std::printf("demo: cannot save %s\n", qPrintable(path));
}

void DemoRunner::finish(bool ok, const QString& message) {
  timer_.stop();
  index_ = static_cast<int>(stages_.size());
  std::printf("demo: %s\n", qPrintable(message));
  std::fflush(stdout);
  Q_EMIT done(ok, message);
}
