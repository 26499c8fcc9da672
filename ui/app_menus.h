#pragma once

#include <QObject>
#include <QStringList>

class AppSettings;
class MainWindow;
class QAction;
class QMenu;

/// The window's menus, actions and keyboard shortcuts, including the recent-file and sample
/// image menus (rebuilt each time they open).
class AppMenus : public QObject {
  Q_OBJECT

 public:
  AppMenus(MainWindow* window, AppSettings& settings);

  void setState(bool model, bool image, bool busy);
  [[nodiscard]] QAction* cancelAction() const { return cancel_; }

  /// Where the bundled sample images are: $DDIM_SAMPLES_DIR, else samples/ in the shipped data
  /// (core's resourceDir(): share/ddim-studio beside the executable's folder).
  [[nodiscard]] static QString samplesFolder();
  [[nodiscard]] static QStringList sampleImages();
  /// The choices of File > Model Precision, as core's parsePrecision reads them.
  [[nodiscard]] static QStringList precisions();

 private:
  void fillSamples(QMenu* menu);
  void fillRecentImages(QMenu* menu);
  void fillRecentModels(QMenu* menu);

  MainWindow* window_;
  AppSettings& settings_;
  QAction* invert_ = nullptr;
  QAction* sample_ = nullptr;
  QAction* compare_ = nullptr;
  QAction* cancel_ = nullptr;
};
