#pragma once

#include <QWidget>

#include "worker_types.h"

class AppSettings;
class ImageView;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

/// DDIM inversion of the loaded image into latent A or B, with the latent, the reconstruction
/// and the reconstruction error.
class InvertPanel : public QWidget {
  Q_OBJECT

 public:
  explicit InvertPanel(QWidget* parent = nullptr);

  /// `ready`: a model and an image are loaded; `busy`: a job runs.
  void setState(bool ready, bool busy);
  void showResult(const InvertResult& result);
  void clearResult();
  [[nodiscard]] InvertRequest request() const;
  void setTarget(LatentSlot slot);

  [[nodiscard]] ImageView* latentView() const { return latent_; }
  [[nodiscard]] ImageView* reconstructionView() const { return reconstruction_; }
  [[nodiscard]] QString errorText() const;
  [[nodiscard]] QPushButton* invertButton() const { return invert_; }

  void restore(const AppSettings& settings);
  void save(AppSettings& settings) const;

 Q_SIGNALS:
  void invertRequested();
  void exportRequested(const QImage& image, const QString& suggestedName);

 private:
  QSpinBox* steps_ = nullptr;
  QComboBox* schedule_ = nullptr;
  QComboBox* target_ = nullptr;
  QPushButton* invert_ = nullptr;
  QPushButton* export_ = nullptr;
  ImageView* latent_ = nullptr;
  ImageView* reconstruction_ = nullptr;
  QLabel* error_ = nullptr;
};
