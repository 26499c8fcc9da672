#include "interpolation_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "app_settings.h"
#include "form_helpers.h"
#include "image_view.h"
#include "latent_panel.h"

namespace {
constexpr int kSliderMax = 100;  // slider positions 0..100: alpha in steps of 0.01
constexpr double kSame = 1e-9;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double maximum(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}
}  // namespace

InterpolationPanel::InterpolationPanel(QWidget* parent) : QWidget(parent) {
  a_ = new LatentPanel(LatentSlot::kA, this);
  b_ = new LatentPanel(LatentSlot::kB, this);
  frame_ = new ImageView(tr("Interpolation"), this);
  frame_->setPlaceholder(tr("Set latents A and B, then drag the slider"));
  frame_->setMinimumSize(220, 240);
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setRange(0, kSliderMax);
  slider_->setPageStep(10);
  slider_->setValue(kSliderMax / 2);
  slider_->setToolTip(tr("Position between latent A (left) and latent B (right)"));
  alphaLabel_ = new QLabel(this);
  alphaLabel_->setFixedWidth(
      alphaLabel_->fontMetrics().horizontalAdvance(tr("α = 0.00 (slider 0.00)")) + 8);
  alphaLabel_->setToolTip(
      tr("α: the position on the path from A (0) to B (1); slider: where the "
         "slider stands. They differ when even spacing re-spaces the slider"));
  mode_ = makeInterpCombo(this);
  mode_->setObjectName(QStringLiteral("interpMode"));
  even_ = new QCheckBox(tr("Even spacing"), this);
  even_->setChecked(true);
  even_->setToolTip(
      tr("Equal slider moves change the picture by equal amounts.\n\n"
         "Once every cached frame is decoded, the slider is re-spaced by the measured pixel "
         "distance between neighbouring frames (DiffMorpher's re-spacing); filmstrips and videos "
         "use the same spacing. With slerp the path also keeps each channel's mean and spread "
         "between the endpoints' (slerp with matched statistics), so the middle does not wash "
         "out. With lerp the path stays plain lerp: only the spacing changes."));
  steps_ = makeStepsSpin(10, this);
  steps_->setToolTip(tr("Steps for slider frames: fewer steps, faster frames"));
  cacheFrames_ = new QSpinBox(this);
  cacheFrames_->setRange(2, 101);
  cacheFrames_->setValue(21);
  cacheFrames_->setToolTip(
      tr("Frames precomputed along the path in the background, shown at once while dragging"));
  cacheLabel_ = new QLabel(this);
  cacheLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  cacheLabel_->setFixedHeight(cacheLabel_->fontMetrics().height() + 4);
  stripFrames_ = new QSpinBox(this);
  stripFrames_->setRange(2, 64);
  stripFrames_->setValue(8);
  stripFrames_->setToolTip(tr("Frames in an exported filmstrip or GIF"));
  exportPng_ = new QPushButton(tr("Filmstrip PNG…"), this);
  exportPng_->setToolTip(tr("Render the frames from A to B and save them side by side"));
  exportGif_ = new QPushButton(tr("Animated GIF…"), this);
  exportGif_->setToolTip(tr("Render the frames from A to B and save a looping GIF"));
  exportVideo_ = new QPushButton(tr("Video MP4…"), this);
  exportVideo_->setToolTip(tr("Render the frames from A to B and save them as an MP4 video"));
  exportFrame_ = new QPushButton(tr("Export frame…"), this);
  exportFrame_->setToolTip(tr("Save the frame on screen as PNG"));

  auto* sliderRow = new QHBoxLayout;
  sliderRow->addWidget(new QLabel(QStringLiteral("A"), this));
  sliderRow->addWidget(slider_, 1);
  sliderRow->addWidget(new QLabel(QStringLiteral("B"), this));
  sliderRow->addWidget(alphaLabel_);

  auto* form = new QGridLayout;
  form->addWidget(new QLabel(tr("Path"), this), 0, 0);
  form->addWidget(mode_, 0, 1);
  form->addWidget(even_, 0, 2);
  form->addWidget(new QLabel(tr("Steps"), this), 0, 3);
  form->addWidget(steps_, 0, 4);
  form->addWidget(new QLabel(tr("Cache"), this), 1, 0);
  form->addWidget(cacheFrames_, 1, 1);
  form->addWidget(cacheLabel_, 1, 2, 1, 3);
  form->addWidget(new QLabel(tr("Filmstrip"), this), 2, 0);
  form->addWidget(stripFrames_, 2, 1);
  auto* exports = new QHBoxLayout;
  exports->addWidget(exportPng_);
  exports->addWidget(exportGif_);
  exports->addWidget(exportVideo_);
  exports->addWidget(exportFrame_);
  form->addLayout(exports, 3, 0, 1, 5);
  form->setColumnStretch(2, 1);

  auto* centre = new QVBoxLayout;
  centre->addWidget(frame_, 1);
  centre->addLayout(sliderRow);
  centre->addLayout(form);

  auto* layout = new QHBoxLayout(this);
  layout->addWidget(a_, 1);
  layout->addLayout(centre, 2);
  layout->addWidget(b_, 1);

  connect(slider_, &QSlider::valueChanged, this, &InterpolationPanel::onSliderMoved);
  connect(slider_, &QSlider::sliderReleased, this, [this] {
    if (spacingPending_) applyPathSpacing();
  });
  connect(frame_, &ImageView::painted, this, &InterpolationPanel::onPainted);
  connect(mode_, &QComboBox::currentIndexChanged, this, &InterpolationPanel::restartPath);
  connect(even_, &QCheckBox::toggled, this, &InterpolationPanel::restartPath);
  connect(steps_, &QSpinBox::valueChanged, this, &InterpolationPanel::restartPath);
  connect(cacheFrames_, &QSpinBox::valueChanged, this, &InterpolationPanel::restartPath);
  connect(exportPng_, &QPushButton::clicked, this,
          [this] { Q_EMIT filmstripRequested(FilmstripFormat::kPng); });
  connect(exportGif_, &QPushButton::clicked, this,
          [this] { Q_EMIT filmstripRequested(FilmstripFormat::kGif); });
  connect(exportVideo_, &QPushButton::clicked, this,
          [this] { Q_EMIT filmstripRequested(FilmstripFormat::kMp4); });
  connect(exportFrame_, &QPushButton::clicked, this, [this] {
    Q_EMIT exportRequested(frame_->image(),
                           QStringLiteral("interpolation-%1.png").arg(shownAlpha_, 0, 'f', 2));
  });
  updateLabels();
}

LatentPanel* InterpolationPanel::latentPanel(LatentSlot slot) const {
  return slot == LatentSlot::kA ? a_ : b_;
}

void InterpolationPanel::setState(bool model, bool busy) {
  model_ = model;
  busy_ = busy;
  a_->setState(model, busy);
  b_->setState(model, busy);
  const bool path = model && a_->hasLatent() && b_->hasLatent();
  exportPng_->setEnabled(path && !busy);
  exportGif_->setEnabled(path && !busy);
  exportVideo_->setEnabled(path && !busy);
  exportFrame_->setEnabled(!frame_->image().isNull());
}

void InterpolationPanel::onModelLoaded() {
  model_ = true;
  restartPath();
}

void InterpolationPanel::onLatentChanged(const LatentInfo& info) {
  latentPanel(info.slot)->showLatent(info);
  setState(model_, busy_);
  restartPath();
}

double InterpolationPanel::sliderPosition() const {
  return static_cast<double>(slider_->value()) / kSliderMax;
}

double InterpolationPanel::alpha() const { return spacing_.alphaAt(sliderPosition()); }

void InterpolationPanel::setAlpha(double alpha) {
  slider_->setValue(static_cast<int>(std::lround(spacing_.positionOf(alpha) * kSliderMax)));
}

PathParams InterpolationPanel::params() const {
  PathParams p;
  p.mode = interpOf(mode_);
  if (even_->isChecked() && p.mode == ddim::InterpMode::kSlerp) {
    p.mode = ddim::InterpMode::kSlerpMatched;
  }
  p.options = PathParams::decodeOptions(steps_->value());
  return p;
}

int InterpolationPanel::filmstripFrames() const { return stripFrames_->value(); }

QVector<double> InterpolationPanel::filmstripAlphas() const {
  if (!even_->isChecked() || spacing_.isIdentity()) return {};
  const std::vector<double> alphas =
      ddim::evenlySpacedAlphas(pathAlphas_, pathDistances_, filmstripFrames());
  return QVector<double>(alphas.begin(), alphas.end());
}

QString InterpolationPanel::alphaText() const { return alphaLabel_->text(); }

QString InterpolationPanel::cacheText() const { return cacheLabel_->text(); }

LatencyStats InterpolationPanel::latency() const {
  LatencyStats s;
  s.moves = static_cast<int>(firstMs_.size());
  s.firstMedianMs = median(firstMs_);
  s.firstMaxMs = maximum(firstMs_);
  s.exact = static_cast<int>(exactMs_.size());
  s.exactMedianMs = median(exactMs_);
  s.exactMaxMs = maximum(exactMs_);
  return s;
}

void InterpolationPanel::onSliderMoved(int /*value*/) {
  moveTimer_.start();
  awaitFirst_ = true;
  awaitExact_ = true;
  refresh();
}

void InterpolationPanel::refresh() {
  const double a = alpha();
  if (auto nearest = cache_.nearest(a)) {
    show(nearest->alpha, nearest->image, {});
  }
  if (!cache_.contains(a)) requestExact();
  updateLabels();
}

void InterpolationPanel::applySpacing(const SliderSpacing& spacing) {
  const double a = alpha();
  spacing_ = spacing;
  const QSignalBlocker quiet(slider_);
  slider_->setValue(static_cast<int>(std::lround(spacing_.positionOf(a) * kSliderMax)));
}

void InterpolationPanel::onPathSpacing(const PathSpacing& spacing) {
  if (spacing.generation != pathGeneration_ || !even_->isChecked()) return;
  pathAlphas_.assign(spacing.alphas.begin(), spacing.alphas.end());
  pathDistances_.assign(spacing.distances.begin(), spacing.distances.end());
  // Re-spacing moves the handle: never under the user's pointer, so after the drag.
  spacingPending_ = slider_->isSliderDown();
  if (!spacingPending_) applyPathSpacing();
}

void InterpolationPanel::applyPathSpacing() {
  spacingPending_ = false;
  applySpacing(SliderSpacing::fromPath(pathAlphas_, pathDistances_, kSliderMax + 1));
  refresh();
}

void InterpolationPanel::requestExact() {
  if (!model_ || !a_->hasLatent() || !b_->hasLatent()) return;
  SliderRequest request;
  request.alpha = alpha();
  request.params = params();
  Q_EMIT sliderRequested(request);
}

void InterpolationPanel::onSliderFrame(const SliderFrame& frame) {
  if (frame.generation < firstValidSlider_) return;  // rendered with older latents or settings
  cache_.insert(frame.alpha, frame.image);
  const double a = alpha();
  if (shownAlpha_ < 0 || std::abs(frame.alpha - a) <= std::abs(shownAlpha_ - a)) {
    show(frame.alpha, frame.image, tr("(%1 ms)").arg(frame.milliseconds, 0, 'f', 0));
  }
  updateLabels();
}

void InterpolationPanel::onSliderFailed(const QString& reason) {
  frame_->setCaption(tr("Cannot render: %1").arg(reason));
}

void InterpolationPanel::onPathFrame(const PathFrame& frame) {
  if (frame.generation != pathGeneration_) return;
  cache_.insert(frame.alpha, frame.image);
  ++pathFrames_;
  const double a = alpha();
  if (shownAlpha_ < 0 || std::abs(frame.alpha - a) < std::abs(shownAlpha_ - a)) {
    show(frame.alpha, frame.image, {});
  }
  updateLabels();
}

void InterpolationPanel::show(double alpha, const QImage& image, const QString& note) {
  shownAlpha_ = alpha;
  const bool exact = std::abs(alpha - this->alpha()) < kSame;
  QString caption = exact ? tr("α = %1, %2 steps").arg(alpha, 0, 'f', 2).arg(steps_->value())
                          : tr("nearest cached frame: α = %1").arg(alpha, 0, 'f', 2);
  if (!note.isEmpty()) caption += QLatin1Char(' ') + note;
  frame_->setImage(image, caption);
  exportFrame_->setEnabled(true);
}

void InterpolationPanel::onPainted() {
  if (!moveTimer_.isValid() || (!awaitFirst_ && !awaitExact_)) return;
  const double ms = moveTimer_.nsecsElapsed() / 1e6;
  if (awaitFirst_) {
    firstMs_.push_back(ms);
    awaitFirst_ = false;
  }
  if (awaitExact_ && std::abs(shownAlpha_ - alpha()) < kSame) {
    exactMs_.push_back(ms);
    awaitExact_ = false;
  }
  updateLabels();
}

void InterpolationPanel::restartPath() {
  applySpacing({});  // the old distances belong to the old path
  pathAlphas_.clear();
  pathDistances_.clear();
  spacingPending_ = false;
  cache_.clear();
  pathFrames_ = 0;
  firstValidSlider_ = lastSlider_ + 1;
  shownAlpha_ = -1;
  if (!model_ || !a_->hasLatent() || !b_->hasLatent()) {
    frame_->clear();
    updateLabels();
    return;
  }
  PathRequest request;
  request.params = params();
  request.frames = cacheFrames_->value();
  Q_EMIT pathRequested(request);
  requestExact();
  updateLabels();
}

void InterpolationPanel::updateLabels() {
  alphaLabel_->setText(
      tr("α = %1 (slider %2)").arg(alpha(), 0, 'f', 2).arg(sliderPosition(), 0, 'f', 2));
  // The Cache field asks for frames along the path; frames the slider asked for are kept too.
  const int extra = std::max(0, cache_.size() - pathFrames_);
  QString cache = tr("%1 of %2 path frames").arg(pathFrames_).arg(cacheFrames_->value());
  if (extra > 0) {
    cache += extra == 1 ? tr(", 1 slider frame") : tr(", %1 slider frames").arg(extra);
  }
  QString tip =
      tr("Path frames: the frames the Cache field asks for, decoded in the background "
         "and shown at once while you drag. From the slider: exact frames decoded for "
         "positions you stopped at, kept as well.");
  if (even_->isChecked() && !pathDistances_.empty() && !spacingPending_) {
    const ddim::PathEvenness e = ddim::pathEvenness(pathDistances_);
    cache += spacing_.isIdentity() ? tr(" · path does not move") : tr(" · evenly spaced");
    tip += tr("\nBefore re-spacing, neighbouring cached frames were %1 apart on average (RMS "
              "pixel distance in [0, 1], variance %2), the largest jump %3; the slider now "
              "moves the picture by equal amounts.")
               .arg(e.mean, 0, 'f', 3)
               .arg(e.variance, 0, 'g', 2)
               .arg(e.largestJump, 0, 'f', 3);
  } else if (even_->isChecked() && model_ && a_->hasLatent() && b_->hasLatent()) {
    cache += tr(" · spacing follows");
    tip += tr("\nThe slider is re-spaced once every cached frame is decoded");
  }
  cacheLabel_->setToolTip(tip);
  cacheLabel_->setText(cache);
  // In the status bar while the pointer is over the slider: a label here would change its text
  // (and could change the layout) while the user drags.
  slider_->setStatusTip(latencyText());
}

QString InterpolationPanel::latencyText() const {
  const LatencyStats s = latency();
  if (s.moves == 0) return tr("Slider latency: not measured yet");
  return tr("Slider latency over %5 moves: first frame median %1 ms (max %2), exact frame median "
            "%3 ms (max %4)")
      .arg(s.firstMedianMs, 0, 'f', 0)
      .arg(s.firstMaxMs, 0, 'f', 0)
      .arg(s.exactMedianMs, 0, 'f', 0)
      .arg(s.exactMaxMs, 0, 'f', 0)
      .arg(s.moves);
}

void InterpolationPanel::restore(const AppSettings& settings) {
  selectInterp(mode_, static_cast<ddim::InterpMode>(
                          settings.value(QStringLiteral("interp/mode"), 0).toInt()));
  even_->setChecked(settings.value(QStringLiteral("interp/even"), true).toBool());
  steps_->setValue(settings.value(QStringLiteral("interp/steps"), 10).toInt());
  cacheFrames_->setValue(settings.value(QStringLiteral("interp/cacheFrames"), 21).toInt());
  stripFrames_->setValue(settings.value(QStringLiteral("interp/filmstripFrames"), 8).toInt());
  a_->setSeed(settings.value(QStringLiteral("latent/seedA"), 1).toULongLong());
  b_->setSeed(settings.value(QStringLiteral("latent/seedB"), 2).toULongLong());
}

void InterpolationPanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("interp/mode"), static_cast<int>(interpOf(mode_)));
  settings.setValue(QStringLiteral("interp/even"), even_->isChecked());
  settings.setValue(QStringLiteral("interp/steps"), steps_->value());
  settings.setValue(QStringLiteral("interp/cacheFrames"), cacheFrames_->value());
  settings.setValue(QStringLiteral("interp/filmstripFrames"), stripFrames_->value());
  settings.setValue(QStringLiteral("latent/seedA"), a_->seed());
  settings.setValue(QStringLiteral("latent/seedB"), b_->seed());
}
