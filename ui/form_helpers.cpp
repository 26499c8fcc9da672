#include "form_helpers.h"

#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <limits>

QComboBox* makeScheduleCombo(QWidget* parent) {
  auto* combo = new QComboBox(parent);
  const std::pair<ddim::SkipType, QString> items[] = {
      {ddim::SkipType::kUniform, QObject::tr("uniform: 0, T/S, 2T/S, … (official)")},
      {ddim::SkipType::kQuad,
       QObject::tr("quad: more steps near the end, where details form (the paper's CIFAR-10 "
                   "setting)")},
      {ddim::SkipType::kTrailing, QObject::tr("trailing: ends at T-1 (best at few steps)")},
      {ddim::SkipType::kLinspace, QObject::tr("linspace: 0 … T-1")},
      {ddim::SkipType::kLogSnr,
       QObject::tr("logsnr: trailing's ends, steps equal in log-SNR (best with DPM-Solver++)")},
  };
  for (const auto& [skip, tip] : items) {
    combo->addItem(QString::fromStdString(ddim::toString(skip)), static_cast<int>(skip));
    combo->setItemData(combo->count() - 1, tip, Qt::ToolTipRole);
  }
  combo->setToolTip(QObject::tr("Which timesteps the sampler visits for the chosen step count"));
  return combo;
}

ddim::SkipType scheduleOf(const QComboBox* combo) {
  return static_cast<ddim::SkipType>(combo->currentData().toInt());
}

void selectSchedule(QComboBox* combo, ddim::SkipType skip) {
  const int index = combo->findData(static_cast<int>(skip));
  if (index >= 0) combo->setCurrentIndex(index);
}

QComboBox* makeInterpCombo(QWidget* parent) {
  auto* combo = new QComboBox(parent);
  combo->addItem(QObject::tr("slerp"), static_cast<int>(ddim::InterpMode::kSlerp));
  combo->addItem(QObject::tr("lerp"), static_cast<int>(ddim::InterpMode::kLerp));
  combo->setToolTip(
      QObject::tr("How to blend latent A into latent B.\n"
                  "slerp: every frame stays as strong as real noise, so every frame is a clear "
                  "picture (spherical interpolation, DDIM paper Eq. 67).\n"
                  "lerp: a straight blend; the middle frames come out washed out and grey."));
  return combo;
}

ddim::InterpMode interpOf(const QComboBox* combo) {
  return static_cast<ddim::InterpMode>(combo->currentData().toInt());
}

void selectInterp(QComboBox* combo, ddim::InterpMode mode) {
  const int index = combo->findData(static_cast<int>(mode));
  if (index >= 0) combo->setCurrentIndex(index);
}

QSpinBox* makeStepsSpin(int value, QWidget* parent) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(1, 1000);
  spin->setValue(value);
  spin->setToolTip(
      QObject::tr("How many denoising steps, 1 to 1000: more steps take longer and give a more "
                  "faithful image (one network evaluation each)"));
  return spin;
}

QSpinBox* makeSeedSpin(QWidget* parent) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(0, std::numeric_limits<int>::max());
  spin->setToolTip(QObject::tr("Seed of the random generator"));
  return spin;
}

QLabel* makeStatusLine(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  label->setFixedHeight(label->fontMetrics().height() + 4);
  return label;
}
