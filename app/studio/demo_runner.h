#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QVector>
#include <functional>

class MainWindow;

/// Scripts the main flow in a real window and saves a grab of it after each stage
/// (ddim-studio --screenshot-dir DIR): open an image and invert it into latent A, invert a second
/// sample image into B, drag the slider, sample, compare step counts, export a grid, a GIF and an
/// MP4 video, then paint a face on the Edit tab and let the model finish it.
/// Used by scripts/screenshots.sh.
class DemoRunner : public QObject {
  Q_OBJECT

 public:
  DemoRunner(MainWindow* window, const QString& outDir, const QString& image);
  void start();

 Q_SIGNALS:
  void done(bool ok, const QString& message);

 private:
  struct Stage {
    QString name;
    std::function<void()> act;
    std::function<bool()> ready;
    QString grabFile;  // saved once ready, when set
  };

  void poll();
  void grab(const QString& file);
  void finish(bool ok, const QString& message);

  MainWindow* window_;
  QString outDir_;
  QString image_;
  QVector<Stage> stages_;
  int index_ = -1;
  bool acted_ = false;
  QTimer timer_;
  QElapsedTimer stageTimer_;
  QTimer dragTimer_;
  int dragValue_ = 0;
  int settleIndex_ = 0;
};
