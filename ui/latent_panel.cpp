#include "latent_panel.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "form_helpers.h"
#include "latent_view.h"

LatentPanel::LatentPanel(LatentSlot slot, QWidget* parent) : QWidget(parent), slot_(slot) {
  const QString name = slotName(slot);
  view_ = new LatentView(slot, this);
  view_->setPlaceholder(
      tr("Empty: invert an image into %1, or use a seed or a .npy file").arg(name));
  seed_ = makeSeedSpin(this);
  seed_->setValue(slot == LatentSlot::kA ? 1 : 2);
  fromSeed_ = new QPushButton(tr("Noise"), this);
  fromSeed_->setToolTip(tr("Set latent %1 to Gaussian noise from this seed").arg(name));
  open_ = new QPushButton(tr("Load .npy…"), this);
  open_->setToolTip(tr("Read latent %1 from a NumPy .npy file").arg(name));
  save_ = new QPushButton(tr("Save .npy…"), this);
  save_->setToolTip(tr("Write latent %1 as a float32 NumPy .npy file").arg(name));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_, 1);
  auto* grid = new QGridLayout;
  grid->addWidget(new QLabel(tr("Seed"), this), 0, 0);
  grid->addWidget(seed_, 0, 1);
  grid->addWidget(fromSeed_, 0, 2);
  grid->addWidget(open_, 1, 0, 1, 2);
  grid->addWidget(save_, 1, 2);
  layout->addLayout(grid);

  connect(fromSeed_, &QPushButton::clicked, this, [this] { Q_EMIT seedRequested(slot_, seed()); });
  connect(open_, &QPushButton::clicked, this, [this] { Q_EMIT openNpyRequested(slot_); });
  connect(save_, &QPushButton::clicked, this, [this] { Q_EMIT saveNpyRequested(slot_); });
  updateButtons();
}

void LatentPanel::showLatent(const LatentInfo& info) {
  hasLatent_ = !info.image.isNull();
  view_->showLatent(info.image, info.origin);
  updateButtons();
}

void LatentPanel::setState(bool model, bool busy) {
  model_ = model;
  busy_ = busy;
  updateButtons();
}

ImageView* LatentPanel::view() const { return view_; }

quint64 LatentPanel::seed() const { return static_cast<quint64>(seed_->value()); }

void LatentPanel::setSeed(quint64 seed) { seed_->setValue(static_cast<int>(seed)); }

void LatentPanel::updateButtons() {
  fromSeed_->setEnabled(model_ && !busy_);
  open_->setEnabled(model_ && !busy_);
  save_->setEnabled(hasLatent_ && !busy_);
}
