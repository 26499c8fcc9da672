#include "invert_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "app_settings.h"
#include "form_helpers.h"
#include "image_view.h"

InvertPanel::InvertPanel(QWidget* parent) : QWidget(parent) {
  steps_ = makeStepsSpin(50, this);
  schedule_ = makeScheduleCombo(this);
  target_ = new QComboBox(this);
  target_->addItem(tr("latent A"), static_cast<int>(LatentSlot::kA));
  target_->addItem(tr("latent B"), static_cast<int>(LatentSlot::kB));
  target_->setToolTip(tr("Which latent slot receives the inverted image"));
  invert_ = new QPushButton(tr("Invert"), this);
  invert_->setToolTip(
      tr("Run DDIM backwards from the image to its latent x_T (eta = 0, paper Sec. 5.4), then "
         "sample it back to measure the reconstruction"));
  export_ = new QPushButton(tr("Export reconstruction…"), this);
  export_->setEnabled(false);
  latent_ = new ImageView(tr("Latent x_T"), this);
  latent_->setPlaceholder(tr("Not inverted yet"));
  reconstruction_ = new ImageView(tr("Reconstruction"), this);
  reconstruction_->setPlaceholder(tr("The latent sampled back with the same steps"));
  error_ = new QLabel(this);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setToolTip(tr("Reconstruction error against what the model sees, pixels in [0, 1]"));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Steps"), this));
  controls->addWidget(steps_);
  controls->addWidget(new QLabel(tr("Schedule"), this));
  controls->addWidget(schedule_);
  controls->addWidget(new QLabel(tr("Into"), this));
  controls->addWidget(target_);
  controls->addWidget(invert_);
  controls->addStretch(1);
  auto* views = new QHBoxLayout;
  views->addWidget(latent_);
  views->addWidget(reconstruction_);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(error_, 1);
  bottom->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(views, 1);
  layout->addLayout(bottom);

  connect(invert_, &QPushButton::clicked, this, &InvertPanel::invertRequested);
  connect(export_, &QPushButton::clicked, this, [this] {
    Q_EMIT exportRequested(reconstruction_->image(), QStringLiteral("reconstruction.png"));
  });
  setState(false, false);
}

void InvertPanel::setState(bool ready, bool busy) { invert_->setEnabled(ready && !busy); }

void InvertPanel::showResult(const InvertResult& r) {
  latent_->setImage(r.latent, tr("into latent %1, %2 steps").arg(slotName(r.target)).arg(r.steps));
  reconstruction_->setImage(r.reconstruction, tr("%1 s").arg(r.seconds, 0, 'f', 2));
  const QString psnr = std::isfinite(r.psnr) ? tr("%1 dB").arg(r.psnr, 0, 'f', 2) : tr("∞");
  error_->setText(tr("PSNR %1   MSE %2").arg(psnr).arg(r.mse, 0, 'g', 4));
  export_->setEnabled(true);
}

void InvertPanel::clearResult() {
  latent_->clear();
  reconstruction_->clear();
  error_->clear();
  export_->setEnabled(false);
}

InvertRequest InvertPanel::request() const {
  InvertRequest r;
  r.options.steps = steps_->value();
  r.options.skip = scheduleOf(schedule_);
  r.target = static_cast<LatentSlot>(target_->currentData().toInt());
  return r;
}

void InvertPanel::setTarget(LatentSlot slot) {
  target_->setCurrentIndex(target_->findData(static_cast<int>(slot)));
}

QString InvertPanel::errorText() const { return error_->text(); }

void InvertPanel::restore(const AppSettings& settings) {
  steps_->setValue(settings.value(QStringLiteral("invert/steps"), 50).toInt());
  selectSchedule(schedule_, static_cast<ddim::SkipType>(
                                settings.value(QStringLiteral("invert/schedule"), 0).toInt()));
}

void InvertPanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("invert/steps"), steps_->value());
  settings.setValue(QStringLiteral("invert/schedule"), static_cast<int>(scheduleOf(schedule_)));
}
