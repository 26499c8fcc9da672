#pragma once

#include <QWidget>

#include "worker_types.h"

class AppSettings;
class ImageView;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

/// Re-sampling from a latent: solver, steps, eta, schedule, seed (for eta > 0), x0 clipping and
/// the autoguidance weight (when the model has a guide).
/// The step-count comparison uses the same settings.
class SamplePanel : public QWidget {
  Q_OBJECT

 public:
  explicit SamplePanel(QWidget* parent = nullptr);

  void setState(bool model, bool busy);
  void showResult(const SampleResult& result);
  void showPreview(const QImage& predictedX0);
  /// The settings; alpha and mode of a path source are filled in by the window.
  [[nodiscard]] SampleRequest request() const;
  void setSteps(int steps);
  /// Offers autoguidance when the loaded model has a guide (set to its default weight), else
  /// fixes the weight at 1.
  void setGuide(const QString& guideName, double defaultWeight);
  void setGuidance(double weight);
  void setSource(LatentSource source);

  [[nodiscard]] ImageView* resultView() const { return result_; }
  [[nodiscard]] QPushButton* sampleButton() const { return sample_; }

  void restore(const AppSettings& settings);
  void save(AppSettings& settings) const;

 Q_SIGNALS:
  void sampleRequested();
  void sourceChanged();
  void exportRequested(const QImage& image, const QString& suggestedName);

 private:
  void updateSeedEnabled();
  [[nodiscard]] bool dpmSolver() const;

  QComboBox* source_ = nullptr;
  QComboBox* solver_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QDoubleSpinBox* eta_ = nullptr;
  QComboBox* schedule_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QCheckBox* clip_ = nullptr;
  QDoubleSpinBox* guidance_ = nullptr;
  QPushButton* sample_ = nullptr;
  QPushButton* export_ = nullptr;
  ImageView* result_ = nullptr;
};
