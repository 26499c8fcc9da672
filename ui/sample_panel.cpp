#include "sample_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "app_settings.h"
#include "form_helpers.h"
#include "image_view.h"

SamplePanel::SamplePanel(QWidget* parent) : QWidget(parent) {
  source_ = new QComboBox(this);
  source_->addItem(tr("latent A"), static_cast<int>(LatentSource::kA));
  source_->addItem(tr("latent B"), static_cast<int>(LatentSource::kB));
  source_->addItem(tr("slider position between A and B"), static_cast<int>(LatentSource::kPath));
  source_->setToolTip(tr("The latent (starting noise, x_T) the image is drawn from"));
  solver_ = new QComboBox(this);
  solver_->addItem(tr("DDIM"), static_cast<int>(ddim::SamplerKind::kDdim));
  solver_->addItem(tr("DPM-Solver++(2M)"), static_cast<int>(ddim::SamplerKind::kDpmSolverPP2M));
  solver_->setToolTip(
      tr("DDIM: the paper's sampler. DPM-Solver++(2M) (Lu et al. 2022): second order, one network "
         "call a step like DDIM, closer to the many-step result at 10 to 20 steps (with the "
         "logsnr or trailing schedule); eta 0 only"));
  steps_ = makeStepsSpin(50, this);
  eta_ = new QDoubleSpinBox(this);
  eta_->setRange(0.0, 1.0);
  eta_->setSingleStep(0.1);
  eta_->setDecimals(2);
  eta_->setToolTip(
      tr("How much fresh randomness each step adds. 0: the same latent always gives the same "
         "image (DDIM); 1: as random as DDPM (η in the DDIM paper's Eq. 16)"));
  schedule_ = makeScheduleCombo(this);
  seed_ = makeSeedSpin(this);
  seed_->setToolTip(tr("Seed of the noise added at each step when eta > 0"));
  clip_ = new QCheckBox(tr("Clip predicted x0 to [-1, 1]"), this);
  clip_->setToolTip(
      tr("Keep each step's predicted image within the valid pixel range (off in the official "
         "code; diffusers clips by default)"));
  guidance_ = new QDoubleSpinBox(this);
  guidance_->setRange(0.0, 10.0);
  guidance_->setSingleStep(0.5);
  guidance_->setDecimals(2);
  guidance_->setValue(1.0);
  sample_ = new QPushButton(tr("Sample"), this);
  sample_->setToolTip(tr("Regenerate the image from the chosen latent with these settings"));
  export_ = new QPushButton(tr("Export…"), this);
  export_->setEnabled(false);
  result_ = new ImageView(tr("Sample"), this);
  result_->setPlaceholder(tr("Set a latent, then press Sample"));

  auto* form = new QFormLayout;
  form->addRow(tr("From"), source_);
  form->addRow(tr("Solver"), solver_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Eta"), eta_);
  form->addRow(tr("Schedule"), schedule_);
  form->addRow(tr("Noise seed"), seed_);
  form->addRow(tr("Guidance"), guidance_);
  form->addRow(QString(), clip_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(sample_);
  buttons->addWidget(export_);
  form->addRow(buttons);
  auto* left = new QVBoxLayout;
  left->addLayout(form);
  left->addStretch(1);
  auto* layout = new QHBoxLayout(this);
  layout->addLayout(left);
  layout->addWidget(result_, 1);

  connect(sample_, &QPushButton::clicked, this, &SamplePanel::sampleRequested);
  connect(source_, &QComboBox::currentIndexChanged, this, &SamplePanel::sourceChanged);
  connect(export_, &QPushButton::clicked, this, [this] {
    Q_EMIT exportRequested(result_->image(),
                           QStringLiteral("sample-%1steps.png").arg(steps_->value()));
  });
  connect(eta_, &QDoubleSpinBox::valueChanged, this, &SamplePanel::updateSeedEnabled);
  connect(solver_, &QComboBox::currentIndexChanged, this, &SamplePanel::updateSeedEnabled);
  updateSeedEnabled();
  setGuide(QString(), 1.0);
  setState(false, false);
}

void SamplePanel::setGuide(const QString& guideName, double defaultWeight) {
  const bool has = !guideName.isEmpty();
  guidance_->setValue(has ? defaultWeight : 1.0);
  guidance_->setEnabled(has);
  guidance_->setToolTip(
      has ? tr("Autoguidance by %1, a weaker model of the same data: guide + w (model - guide). "
               "1 = the model alone, which reproduces an inverted image; larger values give "
               "recognisable new images from random latents, at about twice the cost per step. "
               "Set for you when the latent changes: the model's weight for seeded noise, 1 "
               "otherwise")
                .arg(guideName)
          : tr("This model has no guide model, so it samples alone (weight 1)"));
}

void SamplePanel::setState(bool model, bool busy) { sample_->setEnabled(model && !busy); }

void SamplePanel::showResult(const SampleResult& r) {
  result_->setImage(r.image, tr("%1 steps, %2 s").arg(r.steps).arg(r.seconds, 0, 'f', 2));
  export_->setEnabled(true);
}

void SamplePanel::showPreview(const QImage& predictedX0) {
  result_->setImage(predictedX0, tr("predicted x0 (running)"));
}

SampleRequest SamplePanel::request() const {
  SampleRequest r;
  r.source = static_cast<LatentSource>(source_->currentData().toInt());
  r.options.steps = steps_->value();
  r.options.kind = static_cast<ddim::SamplerKind>(solver_->currentData().toInt());
  r.options.eta = dpmSolver() ? 0.0 : eta_->value();
  r.options.skip = scheduleOf(schedule_);
  r.options.clipX0 = clip_->isChecked();
  r.options.noiseSeed = static_cast<uint64_t>(seed_->value());
  r.guidance = guidance_->value();
  return r;
}

void SamplePanel::setGuidance(double weight) {
  if (guidance_->isEnabled()) guidance_->setValue(weight);
}

void SamplePanel::setSteps(int steps) { steps_->setValue(steps); }

void SamplePanel::setSource(LatentSource source) {
  source_->setCurrentIndex(source_->findData(static_cast<int>(source)));
}

bool SamplePanel::dpmSolver() const {
  return solver_->currentData().toInt() == static_cast<int>(ddim::SamplerKind::kDpmSolverPP2M);
}

void SamplePanel::updateSeedEnabled() {
  // DPM-Solver++(2M) is deterministic: no eta, so no per-step noise.
  eta_->setEnabled(!dpmSolver());
  seed_->setEnabled(!dpmSolver() && eta_->value() > 0);
}

void SamplePanel::restore(const AppSettings& settings) {
  const int solver = settings.value(QStringLiteral("sample/solver"), 0).toInt();
  solver_->setCurrentIndex(std::max(0, solver_->findData(solver)));
  steps_->setValue(settings.value(QStringLiteral("sample/steps"), 50).toInt());
  eta_->setValue(settings.value(QStringLiteral("sample/eta"), 0.0).toDouble());
  selectSchedule(schedule_, static_cast<ddim::SkipType>(
                                settings.value(QStringLiteral("sample/schedule"), 0).toInt()));
  seed_->setValue(settings.value(QStringLiteral("sample/seed"), 0).toInt());
  clip_->setChecked(settings.value(QStringLiteral("sample/clip"), false).toBool());
}

void SamplePanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("sample/solver"), solver_->currentData().toInt());
  settings.setValue(QStringLiteral("sample/steps"), steps_->value());
  settings.setValue(QStringLiteral("sample/eta"), eta_->value());
  settings.setValue(QStringLiteral("sample/schedule"), static_cast<int>(scheduleOf(schedule_)));
  settings.setValue(QStringLiteral("sample/seed"), seed_->value());
  settings.setValue(QStringLiteral("sample/clip"), clip_->isChecked());
}
