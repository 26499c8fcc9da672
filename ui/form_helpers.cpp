#include "form_helpers.h"

#include <QComboBox>
#include <QSpinBox>
#include <limits>

QComboBox* makeScheduleCombo(QWidget* parent) {
  auto* combo = new QComboBox(parent);
  const std::pair<ddim::SkipType, QString> items[] = {
      {ddim::SkipType::kUniform, QObject::tr("uniform: 0, T/S, 2T/S, … (official)")},
      {ddim::SkipType::kQuad, QObject::tr("quad: denser near t = 0 (paper, CIFAR-10)")},
      {ddim::SkipType::kTrailing, QObject::tr("trailing: ends at T-1 (best at few steps)")},
      {ddim::SkipType::kLinspace, QObject::tr("linspace: 0 … T-1")},
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
  combo->setToolTip(QObject::tr(
      "slerp keeps the latent's norm like Gaussian noise (paper Eq. 67); lerp shrinks it midway"));
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
  spin->setToolTip(QObject::tr("Number of DDIM steps (network evaluations), 1 to 1000"));
  return spin;
}

QSpinBox* makeSeedSpin(QWidget* parent) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(0, std::numeric_limits<int>::max());
  spin->setToolTip(QObject::tr("Seed of the random generator"));
  return spin;
}
