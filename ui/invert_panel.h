#pragma once

#include <QWidget>
#include <optional>

#include "worker_types.h"

class AppSettings;
class ImageView;
class LatentView;
class QCheckBox;
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
  /// Exact inversion defaults to on for models up to kExactDefaultMaxResolution px (fast enough
  /// there) and off above, unless the user has chosen.
  void setModelResolution(int resolution);
  static constexpr int kExactDefaultMaxResolution = 64;

  [[nodiscard]] ImageView* latentView() const;
  [[nodiscard]] ImageView* reconstructionView() const { return reconstruction_; }
  [[nodiscard]] QString errorText() const;
  /// How the inversion went: calls per step, and the warning when it did not converge.
  [[nodiscard]] QString reportText() const;
  [[nodiscard]] QString warningText() const;
  [[nodiscard]] QCheckBox* exactCheck() const { return exact_; }
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
  QCheckBox* exact_ = nullptr;
  QPushButton* invert_ = nullptr;
  QPushButton* export_ = nullptr;
  LatentView* latent_ = nullptr;
  ImageView* reconstruction_ = nullptr;
  QLabel* error_ = nullptr;
  QLabel* report_ = nullptr;
  QLabel* warning_ = nullptr;
  std::optional<bool> exactChoice_;  // the user's own choice, remembered in the settings
  // Exact inversion's stopping rule: core's defaults, changeable in the settings file only.
  double tolerance_ = ddim::InvertOptions{}.tolerance;
  int maxIterations_ = ddim::InvertOptions{}.maxIterations;
};
