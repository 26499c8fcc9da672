#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include "worker_types.h"

class ImageView;
class QLabel;
class QProgressBar;
class QPushButton;

/// The running job: its name, a progress bar with step counts, the time left, a predicted-x0
/// preview and a Cancel button.
class JobBar : public QWidget {
  Q_OBJECT

 public:
  explicit JobBar(QWidget* parent = nullptr);

  void onStarted(JobKind kind);
  void onProgress(const JobProgress& progress);
  void onPreview(const QImage& image);
  /// The job ended; `message` says how ("done", "cancelled", "failed"). A finished job keeps its
  /// total time on show.
  void onEnded(const QString& message, bool succeeded);

  [[nodiscard]] QString statusText() const;
  [[nodiscard]] int progressValue() const;
  /// Whether the predicted-x0 preview is on show (only while a job sends previews).
  [[nodiscard]] bool previewShown() const;
  [[nodiscard]] bool running() const { return running_; }

 Q_SIGNALS:
  void cancelRequested();

 private:
  QLabel* title_ = nullptr;
  QProgressBar* bar_ = nullptr;
  QLabel* timeLeft_ = nullptr;
  ImageView* preview_ = nullptr;
  QPushButton* cancel_ = nullptr;
  bool running_ = false;
};
