#include "invert_panel.h"

#include <QCheckBox>
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
#include "latent_view.h"

namespace {
/// 0.026 -> "2.6e-2": short scientific notation for residuals.
QString shortScientific(double x) {
  const QString t = QString::number(x, 'e', 1);  // "2.6e-02"
  const int e = t.indexOf(QLatin1Char('e'));
  if (e < 0) return t;
  return t.left(e) + QStringLiteral("e%1").arg(t.mid(e + 1).toInt());
}

}  // namespace

InvertPanel::InvertPanel(QWidget* parent) : QWidget(parent) {
  steps_ = makeStepsSpin(50, this);
  schedule_ = makeScheduleCombo(this);
  target_ = new QComboBox(this);
  target_->addItem(tr("latent A"), static_cast<int>(LatentSlot::kA));
  target_->addItem(tr("latent B"), static_cast<int>(LatentSlot::kB));
  target_->setToolTip(tr("Which latent slot receives the inverted image"));
  exact_ = new QCheckBox(tr("Exact inversion"), this);
  exact_->setToolTip(
      tr("Solves each step so that sampling gives the image back exactly; about 4x slower.\n\n"
         "Off: one network call a step; sampling the latent gives back a close but not identical "
         "image (the DDIM paper's inversion, Sec. 5.4).\n"
         "On: a few network calls a step, each step solved so that sampling undoes it exactly "
         "(fixed-point iteration as in AIDI, Pan et al. 2023, on DDIM's Eq. 12 with eta = 0).\n"
         "On by default for models up to %1 px.")
          .arg(kExactDefaultMaxResolution));
  connect(exact_, &QCheckBox::clicked, this, [this](bool on) { exactChoice_ = on; });
  invert_ = new QPushButton(tr("Invert"), this);
  invert_->setToolTip(
      tr("Find the noise from which the model would draw this image (its latent), then draw it "
         "again to show how faithfully the latent holds the image.\n"
         "DDIM run backwards with eta = 0 (DDIM paper, Sec. 5.4)."));
  export_ = new QPushButton(tr("Export reconstruction…"), this);
  export_->setEnabled(false);
  latent_ = new LatentView(LatentSlot::kA, this);
  latent_->setPlaceholder(tr("Not inverted yet"));
  reconstruction_ = new ImageView(tr("Reconstruction"), this);
  reconstruction_->setPlaceholder(tr("The latent sampled back with the same steps"));
  reconstruction_->setCaptionLines(1);  // as the latent beside it: the two images line up
  error_ = makeStatusLine(this);
  error_->setToolTip(tr("Reconstruction error against what the model sees, pixels in [0, 1]"));
  report_ = makeStatusLine(this);
  report_->setToolTip(tr("Network calls the inversion made per step (plain inversion: 1)"));
  warning_ = makeStatusLine(this);
  warning_->setStyleSheet(QStringLiteral("QLabel { color: #b35900; font-weight: bold; }"));
  warning_->setToolTip(
      tr("Exact inversion stops a step after a few network calls; a step that stopped above the "
         "tolerance samples back close to, but not exactly, the image"));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Steps"), this));
  controls->addWidget(steps_);
  controls->addWidget(new QLabel(tr("Schedule"), this));
  controls->addWidget(schedule_);
  controls->addWidget(new QLabel(tr("Into"), this));
  controls->addWidget(target_);
  controls->addWidget(exact_);
  controls->addWidget(invert_);
  controls->addStretch(1);
  auto* views = new QHBoxLayout;
  views->addWidget(latent_);
  views->addWidget(reconstruction_);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(error_, 2);
  bottom->addWidget(report_, 3);
  bottom->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(views, 1);
  layout->addLayout(bottom);
  layout->addWidget(warning_);

  connect(invert_, &QPushButton::clicked, this, &InvertPanel::invertRequested);
  connect(target_, &QComboBox::currentIndexChanged, this, [this] {
    if (latent_->image().isNull()) latent_->setSlot(request().target);
  });
  connect(export_, &QPushButton::clicked, this, [this] {
    Q_EMIT exportRequested(reconstruction_->image(), QStringLiteral("reconstruction.png"));
  });
  setState(false, false);
}

void InvertPanel::setState(bool ready, bool busy) { invert_->setEnabled(ready && !busy); }

void InvertPanel::showResult(const InvertResult& r) {
  latent_->setSlot(r.target);
  latent_->showLatent(r.latent, r.latentOrigin);
  reconstruction_->setImage(r.reconstruction, tr("%1 s").arg(r.seconds, 0, 'f', 2));
  const QString psnr = std::isfinite(r.psnr) ? tr("%1 dB").arg(r.psnr, 0, 'f', 2) : tr("∞");
  error_->setText(tr("PSNR %1   MSE %2").arg(psnr).arg(r.mse, 0, 'g', 4));
  if (r.exact) {
    report_->setText(tr("exact inversion: %1 network calls a step, largest residual %2")
                         .arg(r.callsPerStep(), 0, 'f', 1)
                         .arg(shortScientific(r.worstResidual)));
  } else {
    report_->setText(
        tr("plain inversion: %1 network call a step").arg(r.callsPerStep(), 0, 'f', 1));
  }
  if (r.exact && !r.converged()) {
    warning_->setText(tr("Did not fully converge: largest residual %1 at %2 steps (%3 of them "
                         "above the tolerance) — try more steps")
                          .arg(shortScientific(r.worstResidual))
                          .arg(r.steps)
                          .arg(r.stepsNotConverged));
  } else {
    warning_->clear();
  }
  export_->setEnabled(true);
}

void InvertPanel::clearResult() {
  latent_->clear();
  latent_->setSlot(request().target);
  reconstruction_->clear();
  error_->clear();
  report_->clear();
  warning_->clear();
  export_->setEnabled(false);
}

InvertRequest InvertPanel::request() const {
  InvertRequest r;
  r.options.steps = steps_->value();
  r.options.skip = scheduleOf(schedule_);
  r.options.method =
      exact_->isChecked() ? ddim::InversionMethod::kExact : ddim::InversionMethod::kPlain;
  r.options.tolerance = tolerance_;
  r.options.maxIterations = maxIterations_;
  r.target = static_cast<LatentSlot>(target_->currentData().toInt());
  return r;
}

void InvertPanel::setTarget(LatentSlot slot) {
  target_->setCurrentIndex(target_->findData(static_cast<int>(slot)));
}

void InvertPanel::setModelResolution(int resolution) {
  exact_->setChecked(exactChoice_.value_or(resolution <= kExactDefaultMaxResolution));
}

ImageView* InvertPanel::latentView() const { return latent_; }

QString InvertPanel::errorText() const { return error_->text(); }

QString InvertPanel::reportText() const { return report_->text(); }

QString InvertPanel::warningText() const { return warning_->text(); }

void InvertPanel::restore(const AppSettings& settings) {
  steps_->setValue(settings.value(QStringLiteral("invert/steps"), 50).toInt());
  selectSchedule(schedule_, static_cast<ddim::SkipType>(
                                settings.value(QStringLiteral("invert/schedule"), 0).toInt()));
  const QVariant exact = settings.value(QStringLiteral("invert/exact"));
  exactChoice_.reset();
  if (exact.isValid()) exactChoice_ = exact.toBool();
  exact_->setChecked(exactChoice_.value_or(true));  // until a model says how large it is
  tolerance_ = settings.value(QStringLiteral("invert/exactTolerance"), tolerance_).toDouble();
  maxIterations_ =
      settings.value(QStringLiteral("invert/exactMaxIterations"), maxIterations_).toInt();
}

void InvertPanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("invert/steps"), steps_->value());
  settings.setValue(QStringLiteral("invert/schedule"), static_cast<int>(scheduleOf(schedule_)));
  if (exactChoice_) settings.setValue(QStringLiteral("invert/exact"), *exactChoice_);
}
