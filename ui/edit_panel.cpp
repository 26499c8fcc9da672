#include "edit_panel.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QShowEvent>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QUndoStack>
#include <QUndoView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "app_settings.h"
#include "edit_commands.h"
#include "form_helpers.h"
#include "image_view.h"

namespace {
constexpr int kThumbSize = 64;
constexpr int kPreviewDelayMs = 40;  // debounce: a preview starts once the slider rests this long

/// How the edit reaches its start: the combo's items.
enum class NoiseChoice { kForward, kInvert, kInvertExact };

QIcon thumbnailIcon(const QImage& image) {
  const int factor = std::max(1, kThumbSize / std::max(1, std::max(image.width(), image.height())));
  const QPixmap pixmap = QPixmap::fromImage(
      image.scaled(image.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation));
  QIcon icon(pixmap);
  icon.addPixmap(pixmap, QIcon::Selected);  // the chosen result keeps its true colours
  return icon;
}

}  // namespace

EditPanel::EditPanel(QWidget* parent) : QWidget(parent) {
  canvas_ = new EditCanvas(this);
  scroll_ = new QScrollArea(this);
  scroll_->setWidget(canvas_);
  scroll_->setAlignment(Qt::AlignCenter);
  scroll_->setBackgroundRole(QPalette::Dark);
  scroll_->viewport()->installEventFilter(this);
  undo_ = new QUndoStack(this);
  history_ = new QUndoView(undo_, this);
  history_->setEmptyLabel(tr("(start)"));
  history_->setToolTip(tr("Every stroke and every edit; click a line to go back to it"));
  preview_ = new ImageView(tr("Preview"), this);
  preview_->setPlaceholder(tr("Move the strength slider"));
  preview_->setCaptionLines(1);
  preview_->setFixedHeight(136);

  // Tools.
  auto* tools = new QButtonGroup(this);
  QToolButton* brush =
      makeToolButton(tr("Brush"), tr("Paint with the colour (left button)"), EditTool::kBrush);
  QToolButton* eraser = makeToolButton(
      tr("Eraser"), tr("Paint the original image back (as opened)"), EditTool::kEraser);
  QToolButton* picker = makeToolButton(tr("Eyedropper"), tr("Pick the colour under the pointer"),
                                       EditTool::kEyedropper);
  QToolButton* mask = makeToolButton(
      tr("Mask"), tr("Mark the region to regenerate (red); the rest is kept exactly"),
      EditTool::kMask);
  QToolButton* maskEraser =
      makeToolButton(tr("Unmask"), tr("Remove the mark from the mask"), EditTool::kMaskEraser);
  for (QToolButton* b : {brush, eraser, picker, mask, maskEraser}) tools->addButton(b);
  brush->setChecked(true);
  colorButton_ = new QToolButton(this);
  colorButton_->setToolTip(tr("Brush colour"));
  colorButton_->setAccessibleName(tr("Brush colour"));
  connect(colorButton_, &QToolButton::clicked, this, [this] {
    const QColor c = QColorDialog::getColor(canvas_->color(), this, tr("Brush Colour"));
    if (c.isValid()) {
      canvas_->setColor(c);
      updateColorButton();
    }
  });
  connect(canvas_, &EditCanvas::colorPicked, this, [this] { updateColorButton(); });
  brushSize_ = new QSpinBox(this);
  brushSize_->setRange(1, 256);
  brushSize_->setSuffix(tr(" px"));
  brushSize_->setValue(canvas_->brushSize());
  brushSize_->setToolTip(tr("Brush size: its diameter in image pixels"));
  brushSize_->setAccessibleName(tr("Brush size"));
  connect(brushSize_, &QSpinBox::valueChanged, canvas_, &EditCanvas::setBrushSize);
  auto* newImage = new QToolButton(this);
  newImage->setText(tr("New"));
  newImage->setToolTip(tr("A white canvas at the model's resolution"));
  connect(newImage, &QToolButton::clicked, this, &EditPanel::newImage);
  auto* clearMask = new QToolButton(this);
  clearMask->setText(tr("Clear mask"));
  connect(clearMask, &QToolButton::clicked, this, &EditPanel::clearMask);
  auto* invertMask = new QToolButton(this);
  invertMask->setText(tr("Invert mask"));
  connect(invertMask, &QToolButton::clicked, this, &EditPanel::invertMask);

  auto* zoomOut = new QToolButton(this);
  zoomOut->setText(QStringLiteral("−"));
  zoomOut->setToolTip(tr("Zoom out (Ctrl+-, wheel)"));
  connect(zoomOut, &QToolButton::clicked, this, &EditPanel::zoomOut);
  auto* zoomIn = new QToolButton(this);
  zoomIn->setText(QStringLiteral("+"));
  zoomIn->setToolTip(tr("Zoom in (Ctrl+=, wheel)"));
  connect(zoomIn, &QToolButton::clicked, this, &EditPanel::zoomIn);
  auto* fit = new QToolButton(this);
  fit->setText(tr("Fit"));
  fit->setToolTip(tr("Zoom to fit (Ctrl+0)"));
  connect(fit, &QToolButton::clicked, this, &EditPanel::fitToView);
  zoomLabel_ = new QLabel(this);
  zoomLabel_->setFixedWidth(zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("3200 %")));
  zoomLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  auto* before = new QToolButton(this);
  before->setText(tr("Before"));
  before->setToolTip(tr("Hold to see the image before the last edit (or hold \\ on the canvas)"));
  connect(before, &QToolButton::pressed, this, [this] { canvas_->setShowBefore(true); });
  connect(before, &QToolButton::released, this, [this] { canvas_->setShowBefore(false); });

  auto* toolRow = new QHBoxLayout;
  toolRow->addWidget(newImage);
  toolRow->addSpacing(8);
  for (QToolButton* b : {brush, eraser, picker, mask, maskEraser}) toolRow->addWidget(b);
  toolRow->addWidget(colorButton_);
  toolRow->addWidget(brushSize_);
  toolRow->addWidget(clearMask);
  toolRow->addWidget(invertMask);
  toolRow->addStretch(1);
  auto* viewRow = new QHBoxLayout;  // in the side column: the tool row fits a narrow window
  viewRow->addWidget(before);
  viewRow->addStretch(1);
  viewRow->addWidget(zoomOut);
  viewRow->addWidget(zoomLabel_);
  viewRow->addWidget(zoomIn);
  viewRow->addWidget(fit);
  canvasButtons_ = {brush,        eraser,    picker,     mask,  maskEraser,
                    colorButton_, clearMask, invertMask, before};

  // Edit settings.
  strength_ = new QSlider(Qt::Horizontal, this);
  strength_->setRange(0, 100);
  strength_->setValue(50);
  strength_->setMinimumWidth(160);
  strength_->setToolTip(
      tr("How far into the noise the edit goes (SDEdit, t0 = strength x T): low keeps the "
         "picture, high lets the model redraw it; 1 is a fresh sample (inside the mask: new "
         "content)"));
  strength_->setAccessibleName(tr("Strength"));
  strengthLabel_ = new QLabel(this);
  strengthLabel_->setFixedWidth(
      strengthLabel_->fontMetrics().horizontalAdvance(QStringLiteral("0.00")) + 4);
  connect(strength_, &QSlider::valueChanged, this, [this] {
    updateStrengthLabel();
    schedulePreview();
  });
  steps_ = makeStepsSpin(20, this);
  steps_->setToolTip(tr("Steps of the whole sequence over T; the edit walks those below t0"));
  eta_ = new QDoubleSpinBox(this);
  eta_->setRange(0, 1);
  eta_->setSingleStep(0.1);
  eta_->setDecimals(2);
  eta_->setToolTip(tr("0: deterministic DDIM, 1: DDPM-like noise on the way down"));
  seed_ = makeSeedSpin(this);
  seed_->setToolTip(tr("Result k draws its noise from seed + k"));
  count_ = new QSpinBox(this);
  count_->setRange(1, 16);
  count_->setValue(4);
  count_->setToolTip(tr("Variations: results from seeds seed .. seed + count - 1, in one batch"));
  noise_ = new QComboBox(this);
  noise_->addItem(tr("forward noise"), static_cast<int>(NoiseChoice::kForward));
  noise_->addItem(tr("inversion"), static_cast<int>(NoiseChoice::kInvert));
  noise_->addItem(tr("exact inversion"), static_cast<int>(NoiseChoice::kInvertExact));
  noise_->setToolTip(
      tr("How the image reaches t0: forward noise from the seed (variations; guided by the "
         "model's own weight), or DDIM inversion, which keeps the content (the model alone)"));
  resample_ = new QSpinBox(this);
  resample_->setRange(0, 20);
  resample_->setToolTip(
      tr("With a mask: RePaint resampling, each step redone this many times so that the region "
         "fits its surroundings"));
  feather_ = new QDoubleSpinBox(this);
  feather_->setRange(0, 64);
  feather_->setDecimals(1);
  feather_->setSuffix(tr(" px"));
  feather_->setToolTip(tr("With a mask: soften its edge over this many pixels inside the region"));
  livePreview_ = new QCheckBox(tr("Preview"), this);
  livePreview_->setObjectName(QStringLiteral("livePreview"));
  livePreview_->setChecked(true);
  livePreview_->setToolTip(tr("Show one result of the edit while the strength slider moves"));
  connect(livePreview_, &QCheckBox::toggled, this, [this](bool on) {
    if (on) schedulePreview();
  });

  apply_ = new QPushButton(tr("Apply"), this);
  apply_->setDefault(true);
  apply_->setToolTip(
      tr("Run the edit on the worker (Ctrl+Return); the first result becomes the "
         "image, click another to use it"));
  connect(apply_, &QPushButton::clicked, this, &EditPanel::applyRequested);
  invertA_ = new QPushButton(tr("Invert into A"), this);
  invertA_->setObjectName(QStringLiteral("invertA"));
  invertA_->setToolTip(tr("Invert the current image into latent A (Invert tab's settings)"));
  connect(invertA_, &QPushButton::clicked, this,
          [this] { Q_EMIT invertRequested(LatentSlot::kA, canvas_->image()); });
  invertB_ = new QPushButton(tr("Invert into B"), this);
  invertB_->setObjectName(QStringLiteral("invertB"));
  invertB_->setToolTip(tr("Invert the current image into latent B (Invert tab's settings)"));
  connect(invertB_, &QPushButton::clicked, this,
          [this] { Q_EMIT invertRequested(LatentSlot::kB, canvas_->image()); });
  export_ = new QPushButton(tr("Export…"), this);
  export_->setToolTip(tr("Save the current image as PNG"));
  connect(export_, &QPushButton::clicked, this,
          [this] { Q_EMIT exportRequested(canvas_->image(), QStringLiteral("edited.png")); });

  auto* settings = new QGridLayout;
  settings->addWidget(new QLabel(tr("Strength"), this), 0, 0);
  auto* strengthRow = new QHBoxLayout;
  strengthRow->addWidget(strength_, 1);
  strengthRow->addWidget(strengthLabel_);
  strengthRow->addWidget(livePreview_);
  settings->addLayout(strengthRow, 0, 1, 1, 7);
  settings->addWidget(new QLabel(tr("Steps"), this), 1, 0);
  settings->addWidget(steps_, 1, 1);
  settings->addWidget(new QLabel(tr("Eta"), this), 1, 2);
  settings->addWidget(eta_, 1, 3);
  settings->addWidget(new QLabel(tr("Seed"), this), 1, 4);
  settings->addWidget(seed_, 1, 5);
  settings->addWidget(new QLabel(tr("Count"), this), 1, 6);
  settings->addWidget(count_, 1, 7);
  settings->addWidget(new QLabel(tr("Start"), this), 2, 0);
  settings->addWidget(noise_, 2, 1);
  settings->addWidget(new QLabel(tr("Resample"), this), 2, 2);
  settings->addWidget(resample_, 2, 3);
  settings->addWidget(new QLabel(tr("Feather"), this), 2, 4);
  settings->addWidget(feather_, 2, 5);
  settings->setColumnStretch(8, 1);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(apply_);
  buttons->addWidget(invertA_);
  buttons->addWidget(invertB_);
  buttons->addWidget(export_);
  buttons->addStretch(1);

  results_ = new QListWidget(this);
  results_->setViewMode(QListView::IconMode);
  results_->setFlow(QListView::LeftToRight);
  results_->setWrapping(false);
  results_->setMovement(QListView::Static);
  results_->setIconSize(QSize(kThumbSize, kThumbSize));
  results_->setFixedHeight(kThumbSize + results_->fontMetrics().height() + 18);
  results_->setToolTip(tr("The last edit's results; click one to make it the image"));
  results_->setAccessibleName(tr("Results"));
  connect(results_, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { chooseResult(results_->row(item)); });
  status_ = makeStatusLine(this);

  auto* side = new QVBoxLayout;
  side->addLayout(viewRow);
  side->addWidget(preview_);
  side->addWidget(new QLabel(tr("History"), this));
  side->addWidget(history_, 1);
  auto* sideWidget = new QWidget(this);
  sideWidget->setLayout(side);
  sideWidget->setFixedWidth(220);
  side->setContentsMargins(0, 0, 0, 0);
  auto* middle = new QHBoxLayout;
  middle->addWidget(scroll_, 1);
  middle->addWidget(sideWidget);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(toolRow);
  layout->addLayout(middle, 1);
  layout->addLayout(settings);
  layout->addLayout(buttons);
  layout->addWidget(results_);
  layout->addWidget(status_);

  // Shortcuts, live while the tab is shown.
  QAction* undo = undo_->createUndoAction(this, tr("Undo"));
  undo->setShortcuts({QKeySequence::Undo});
  QAction* redo = undo_->createRedoAction(this, tr("Redo"));
  redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence::Redo});
  auto* zoomInAction = new QAction(tr("Zoom In"), this);
  zoomInAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn});
  connect(zoomInAction, &QAction::triggered, this, &EditPanel::zoomIn);
  auto* zoomOutAction = new QAction(tr("Zoom Out"), this);
  zoomOutAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Minus), QKeySequence::ZoomOut});
  connect(zoomOutAction, &QAction::triggered, this, &EditPanel::zoomOut);
  auto* fitAction = new QAction(tr("Fit"), this);
  fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  connect(fitAction, &QAction::triggered, this, &EditPanel::fitToView);
  auto* applyAction = new QAction(tr("Apply"), this);
  applyAction->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  connect(applyAction, &QAction::triggered, this, [this] {
    if (apply_->isEnabled()) Q_EMIT applyRequested();
  });
  for (QAction* a : {undo, redo, zoomInAction, zoomOutAction, fitAction, applyAction}) {
    a->setShortcutContext(Qt::WindowShortcut);  // only while the tab is shown (visible)
    addAction(a);
  }

  connect(canvas_, &EditCanvas::strokeFinished, this,
          [this](const CanvasState& start, const QString& text) {
            pushState(text, start, canvas_->state());
          });
  connect(canvas_, &EditCanvas::wheelZoom, this, [this](int steps, const QPointF& at) {
    const QVector<double>& levels = EditCanvas::zoomLevels();
    auto it = std::lower_bound(levels.begin(), levels.end(), canvas_->zoom());
    qsizetype i = it - levels.begin();
    i = std::clamp<qsizetype>(i + steps, 0, levels.size() - 1);
    setZoomKeeping(levels[i], at);
  });
  connect(undo_, &QUndoStack::indexChanged, this, [this] {
    updateButtons();
    schedulePreview();
  });

  previewTimer_ = new QTimer(this);
  previewTimer_->setSingleShot(true);
  previewTimer_->setInterval(kPreviewDelayMs);
  connect(previewTimer_, &QTimer::timeout, this, [this] {
    // Only for a person looking at the tab: opening an image (an undo step) must not start an
    // edit in the background, which with a 256-pixel model keeps the worker busy for minutes and
    // makes the next job the person starts wait for the network call in flight.
    if (!isVisible()) {
      previewStale_ = true;
      return;
    }
    if (model_ && !busy_ && canvas_->hasImage() && livePreview_->isChecked()) {
      Q_EMIT previewRequested();
    }
  });

  updateColorButton();
  updateStrengthLabel();
  updateZoomLabel();
  updateButtons();
}

// The undo stack, a child, is cleared after the canvas is gone: it must not call back.
EditPanel::~EditPanel() { undo_->disconnect(this); }

QToolButton* EditPanel::makeToolButton(const QString& text, const QString& tip, EditTool tool) {
  auto* b = new QToolButton(this);
  b->setText(text);
  b->setToolTip(tip);
  b->setCheckable(true);
  connect(b, &QToolButton::toggled, this, [this, tool](bool on) {
    if (on) canvas_->setTool(tool);
  });
  return b;
}

void EditPanel::setState(bool model, bool busy) {
  model_ = model;
  busy_ = busy;
  updateButtons();
}

void EditPanel::updateButtons() {
  const bool image = canvas_->hasImage();
  apply_->setEnabled(model_ && !busy_ && image);
  invertA_->setEnabled(model_ && !busy_ && image);
  invertB_->setEnabled(model_ && !busy_ && image);
  export_->setEnabled(image);
  for (QAbstractButton* b : canvasButtons_) b->setEnabled(image);
  const bool mask = canvas_->hasMask();
  resample_->setEnabled(mask);
  feather_->setEnabled(mask);
}

void EditPanel::setModelResolution(int resolution) { resolution_ = resolution; }

void EditPanel::pushState(const QString& text, const CanvasState& before,
                          const CanvasState& after) {
  undo_->push(new CanvasCommand(canvas_, text, before, after));
}

void EditPanel::onImageLoaded(const ImageInfo& info, bool opened) {
  if (info.modelView.isNull()) return;
  const CanvasState fresh = EditCanvas::freshState(info.modelView);
  if (!opened && canvas_->hasImage() && canvas_->image().size() == fresh.image.size()) return;
  if (canvas_->hasImage() && canvas_->image().size() != fresh.image.size()) {
    undo_->clear();  // another resolution: the old steps no longer fit the model
  }
  canvas_->setBeforeImage({});
  pushState(tr("Open %1").arg(info.name), canvas_->state(), fresh);
  if (fit_) fitToView();
}

void EditPanel::newImage() {
  if (resolution_ <= 0) return;
  QImage white(resolution_, resolution_, QImage::Format_RGB32);
  white.fill(Qt::white);
  if (canvas_->hasImage() && canvas_->image().size() != white.size()) undo_->clear();
  canvas_->setBeforeImage({});
  pushState(tr("New canvas"), canvas_->state(), EditCanvas::freshState(white));
  if (fit_) fitToView();
}

void EditPanel::clearMask() {
  if (!canvas_->hasImage() || !canvas_->hasMask()) return;
  CanvasState after = canvas_->state();
  after.mask = EditCanvas::filledMask(after.image.size(), false);
  pushState(tr("Clear mask"), canvas_->state(), after);
}

void EditPanel::invertMask() {
  if (!canvas_->hasImage()) return;
  CanvasState after = canvas_->state();
  after.mask = EditCanvas::invertedMask(after.mask);
  pushState(tr("Invert mask"), canvas_->state(), after);
}

void EditPanel::showResult(const EditResult& result) {
  lastResult_ = result;
  resultImages_ = result.images;
  results_->clear();
  for (int i = 0; i < resultImages_.size(); ++i) {
    auto* item = new QListWidgetItem(thumbnailIcon(resultImages_[i]),
                                     tr("seed %1").arg(result.seed + static_cast<quint64>(i)));
    item->setToolTip(tr("Result %1 of %2: strength %3, seed %4")
                         .arg(i + 1)
                         .arg(resultImages_.size())
                         .arg(result.strength, 0, 'f', 2)
                         .arg(result.seed + static_cast<quint64>(i)));
    results_->addItem(item);
  }
  if (result.startTimestep < 0) {
    status_->setText(tr("strength %1 is below the first step: the image is unchanged")
                         .arg(result.strength, 0, 'f', 2));
  } else {
    status_->setText(tr("%1 results in %2 s: strength %3 (from t = %4), %5 network calls%6")
                         .arg(resultImages_.size())
                         .arg(result.seconds, 0, 'f', 2)
                         .arg(result.strength, 0, 'f', 2)
                         .arg(result.startTimestep)
                         .arg(result.networkCalls)
                         .arg(result.masked ? tr(", masked region only") : QString()));
  }
  currentResult_ = -1;
  canvas_->setBeforeImage(result.input);
  if (!resultImages_.isEmpty()) chooseResult(0);
}

void EditPanel::chooseResult(int index) {
  if (index < 0 || index >= resultImages_.size() || index == currentResult_) return;
  CanvasState after = canvas_->state();
  after.image = resultImages_[index].convertToFormat(QImage::Format_RGB32);
  const quint64 seed = lastResult_.seed + static_cast<quint64>(index);
  const QString text =
      currentResult_ < 0
          ? tr("Edit: strength %1, seed %2").arg(lastResult_.strength, 0, 'f', 2).arg(seed)
          : tr("Use result %1 (seed %2)").arg(index + 1).arg(seed);
  currentResult_ = index;
  results_->setCurrentRow(index);
  pushState(text, canvas_->state(), after);
}

void EditPanel::showJobPreview(const QImage& predictedX0) {
  preview_->setImage(predictedX0, tr("predicted x0 (running)"));
}

void EditPanel::onEditPreview(const EditPreview& preview) {
  if (preview.generation != previewGeneration_) return;  // the slider has moved on
  ++previewsShown_;
  preview_->setImage(preview.image, tr("strength %1, %2 ms")
                                        .arg(preview.strength, 0, 'f', 2)
                                        .arg(preview.milliseconds, 0, 'f', 0));
}

void EditPanel::onEditPreviewFailed(const QString& reason) {
  preview_->clear();
  preview_->setPlaceholder(tr("No preview: %1").arg(reason));
}

void EditPanel::schedulePreview() {
  if (livePreview_->isChecked()) previewTimer_->start();
}

void EditPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (previewStale_) {
    previewStale_ = false;
    schedulePreview();
  }
}

EditRequest EditPanel::request() const {
  EditRequest r;
  r.image = canvas_->image();
  if (canvas_->hasMask()) r.mask = canvas_->mask();
  ddim::EditOptions& o = r.options;
  o.strength = strength();
  o.steps = steps_->value();
  o.eta = eta_->value();
  o.seed = static_cast<uint64_t>(seed_->value());
  o.count = count_->value();
  const auto noise = static_cast<NoiseChoice>(noise_->currentData().toInt());
  o.noise = noise == NoiseChoice::kForward ? ddim::EditNoise::kForward : ddim::EditNoise::kInvert;
  o.inversion.method = noise == NoiseChoice::kInvertExact ? ddim::InversionMethod::kExact
                                                          : ddim::InversionMethod::kPlain;
  if (!r.mask.isNull()) {
    o.resample = resample_->value();
    o.featherPixels = feather_->value();
  }
  return r;
}

void EditPanel::setStrength(double strength) {
  strength_->setValue(static_cast<int>(std::lround(strength * 100)));
}

double EditPanel::strength() const { return strength_->value() / 100.0; }

void EditPanel::setCount(int count) { count_->setValue(count); }

void EditPanel::setSeed(int seed) { seed_->setValue(seed); }

QString EditPanel::statusText() const { return status_->text(); }

void EditPanel::updateStrengthLabel() {
  strengthLabel_->setText(QString::number(strength(), 'f', 2));
}

void EditPanel::updateColorButton() {
  QPixmap swatch(18, 18);
  swatch.fill(canvas_->color());
  QPainter p(&swatch);
  p.setPen(palette().color(QPalette::WindowText));
  p.drawRect(0, 0, 17, 17);
  p.end();
  colorButton_->setIcon(QIcon(swatch));
  colorButton_->setToolTip(tr("Brush colour %1: click to choose").arg(canvas_->color().name()));
}

void EditPanel::updateZoomLabel() {
  zoomLabel_->setText(QStringLiteral("%1 %").arg(std::lround(canvas_->zoom() * 100)));
}

void EditPanel::setZoomKeeping(double zoom, const QPointF& imagePoint) {
  fit_ = false;
  const QPoint inViewport =
      canvas_->mapTo(scroll_->viewport(), (imagePoint * canvas_->zoom()).toPoint());
  canvas_->setZoom(zoom);
  scroll_->horizontalScrollBar()->setValue(
      static_cast<int>(std::lround(imagePoint.x() * canvas_->zoom())) - inViewport.x());
  scroll_->verticalScrollBar()->setValue(
      static_cast<int>(std::lround(imagePoint.y() * canvas_->zoom())) - inViewport.y());
  updateZoomLabel();
}

void EditPanel::zoomIn() {
  const QVector<double>& levels = EditCanvas::zoomLevels();
  auto it = std::upper_bound(levels.begin(), levels.end(), canvas_->zoom());
  if (it == levels.end()) return;
  fit_ = false;
  canvas_->setZoom(*it);
  updateZoomLabel();
}

void EditPanel::zoomOut() {
  const QVector<double>& levels = EditCanvas::zoomLevels();
  auto it = std::lower_bound(levels.begin(), levels.end(), canvas_->zoom());
  if (it == levels.begin()) return;
  fit_ = false;
  canvas_->setZoom(*(it - 1));
  updateZoomLabel();
}

void EditPanel::fitToView() {
  fit_ = true;
  canvas_->setZoom(canvas_->fitZoom(scroll_->viewport()->size() - QSize(4, 4)));
  updateZoomLabel();
}

bool EditPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == scroll_->viewport() && event->type() == QEvent::Resize && fit_) {
    QTimer::singleShot(0, this, [this] {
      if (fit_) fitToView();
    });
  }
  return QWidget::eventFilter(watched, event);
}

void EditPanel::restore(const AppSettings& settings) {
  setStrength(settings.value(QStringLiteral("edit/strength"), 0.5).toDouble());
  steps_->setValue(settings.value(QStringLiteral("edit/steps"), 20).toInt());
  eta_->setValue(settings.value(QStringLiteral("edit/eta"), 0.0).toDouble());
  count_->setValue(settings.value(QStringLiteral("edit/count"), 4).toInt());
  noise_->setCurrentIndex(
      std::clamp(settings.value(QStringLiteral("edit/noise"), 0).toInt(), 0, noise_->count() - 1));
  resample_->setValue(settings.value(QStringLiteral("edit/resample"), 0).toInt());
  feather_->setValue(settings.value(QStringLiteral("edit/feather"), 0.0).toDouble());
  brushSize_->setValue(settings.value(QStringLiteral("edit/brushSize"), 4).toInt());
  livePreview_->setChecked(settings.value(QStringLiteral("edit/livePreview"), true).toBool());
}

void EditPanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("edit/strength"), strength());
  settings.setValue(QStringLiteral("edit/steps"), steps_->value());
  settings.setValue(QStringLiteral("edit/eta"), eta_->value());
  settings.setValue(QStringLiteral("edit/count"), count_->value());
  settings.setValue(QStringLiteral("edit/noise"), noise_->currentIndex());
  settings.setValue(QStringLiteral("edit/resample"), resample_->value());
  settings.setValue(QStringLiteral("edit/feather"), feather_->value());
  settings.setValue(QStringLiteral("edit/brushSize"), brushSize_->value());
  settings.setValue(QStringLiteral("edit/livePreview"), livePreview_->isChecked());
}
