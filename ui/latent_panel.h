#pragma once

#include <QWidget>

#include "worker_types.h"

class ImageView;
class LatentView;
class QPushButton;
class QSpinBox;

/// One latent slot (A or B): its visualised noise image and where it came from; set it from a
/// seed or a .npy file, save it as .npy. Inverting an image into the slot is on the Invert tab.
class LatentPanel : public QWidget {
  Q_OBJECT

 public:
  LatentPanel(LatentSlot slot, QWidget* parent = nullptr);

  void showLatent(const LatentInfo& info);
  /// Enables the buttons: `model` whether a model is loaded, `busy` whether a job runs.
  void setState(bool model, bool busy);

  [[nodiscard]] bool hasLatent() const { return hasLatent_; }
  [[nodiscard]] LatentSlot slot() const { return slot_; }
  [[nodiscard]] quint64 seed() const;
  void setSeed(quint64 seed);
  [[nodiscard]] ImageView* view() const;

 Q_SIGNALS:
  void seedRequested(LatentSlot slot, quint64 seed);
  void openNpyRequested(LatentSlot slot);
  void saveNpyRequested(LatentSlot slot);

 private:
  void updateButtons();

  LatentSlot slot_;
  bool hasLatent_ = false;
  bool model_ = false;
  bool busy_ = false;
  LatentView* view_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QPushButton* fromSeed_ = nullptr;
  QPushButton* open_ = nullptr;
  QPushButton* save_ = nullptr;
};
