#pragma once

#include <QMainWindow>
#include <memory>
#include <optional>

#include "file_dialogs.h"
#include "worker_types.h"

class AppMenus;
class AppSettings;
class ComparePanel;
class EditPanel;
class ErrorBanner;
class Exporter;
class ImagePanel;
class InterpolationPanel;
class InvertPanel;
class JobBar;
class QLabel;
class QTabWidget;
class SamplePanel;
class WorkerHost;

struct MainWindowOptions {
  QString device = QStringLiteral("auto");
  int threads = 0;                    // <= 0: LibTorch's default
  QString precision;                  // auto, fp32, bf16, fp16; empty: the last one chosen
  std::optional<ModelRequest> model;  // else the last model, else the bundled default
  QString image;                      // opened at start when set
  QString settingsPath;               // INI file; empty: the user's settings
};

/// DDIM Studio's window: the image and what the model sees on the left, tabs for inversion,
/// latents and interpolation, sampling and the step-count comparison, and the job bar below.
/// Every diffusion job runs on the worker thread; the window only sends requests and shows results.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const MainWindowOptions& options, QWidget* parent = nullptr);
  ~MainWindow() override;

  void openImageFile(const QString& path);
  void openImageData(const QImage& image, const QString& name);
  void openModel(const ModelRequest& model);
  /// The precision models load in ("auto", "fp32", "bf16", "fp16"), kept in the settings; the
  /// loaded model is loaded again in it.
  void setPrecision(const QString& precision);
  [[nodiscard]] QString precision() const { return precision_; }
  void chooseImage();
  void chooseModelFolder();
  void chooseModelFiles();
  void paste();
  void runInvert();
  void runSample();
  void runCompare();
  /// The Edit tab's Apply.
  void runEdit();
  void latentFromSeed(LatentSlot slot, quint64 seed);
  void openLatent(LatentSlot slot);
  void saveLatent(LatentSlot slot);
  /// Asks where, then renders the A-B filmstrip and saves it as a PNG strip, a GIF or an MP4.
  void exportFilmstrip(FilmstripFormat format);
  /// Exports what the current tab shows (Ctrl+S).
  void exportCurrent();
  /// Asks where, then writes `image` as PNG (never replacing a file without asking).
  bool exportImage(const QImage& image, const QString& suggestedName);
  void cancelJob();
  void showAbout();
  /// Replaces the file dialogs (tests and the scripted demo answer them).
  void setFileDialogs(const FileDialogs& dialogs);

  [[nodiscard]] WorkerHost* host() const { return host_; }
  [[nodiscard]] bool busy() const;
  [[nodiscard]] bool modelLoaded() const { return model_.has_value(); }
  [[nodiscard]] QString modelText() const;
  [[nodiscard]] QString errorText() const;
  [[nodiscard]] QString jobText() const;
  [[nodiscard]] AppSettings& settings() const { return *settings_; }
  [[nodiscard]] QTabWidget* tabs() const { return tabs_; }
  [[nodiscard]] ImagePanel* imagePanel() const { return imagePanel_; }
  [[nodiscard]] InvertPanel* invertPanel() const { return invertPanel_; }
  [[nodiscard]] InterpolationPanel* interpolationPanel() const { return interpPanel_; }
  [[nodiscard]] SamplePanel* samplePanel() const { return samplePanel_; }
  [[nodiscard]] ComparePanel* comparePanel() const { return comparePanel_; }
  [[nodiscard]] EditPanel* editPanel() const { return editPanel_; }
  [[nodiscard]] ErrorBanner* errorBanner() const { return errorBanner_; }
  [[nodiscard]] JobBar* jobBar() const { return jobBar_; }

 Q_SIGNALS:
  /// After the window has shown the end of a job.
  void jobEnded(JobKind kind, bool succeeded);
  void fileWritten(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;
  /// Lets Ctrl+V paste an image wherever the focus is except in a text field (a spin box's
  /// editor would take it otherwise).
  bool eventFilter(QObject* watched, QEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildLayout();
  void connectWorker();
  /// The Sample tab's settings, at the slider's position when it samples from the path.
  [[nodiscard]] SampleRequest sampleRequest() const;
  void loadStartupModel(const MainWindowOptions& options);
  void onModelLoaded(const ModelInfo& info);
  void onJobEnded(JobKind kind, const QString& message, bool succeeded);
  void showError(const QString& message);
  void updateState();
  void saveSettings();
  /// Sets the Sample tab's guidance for its latent source: the model's own weight when seeded
  /// noise feeds it, else 1 (an inverted image or a latent file then decodes to its image).
  void suggestGuidance();
  /// Tells the Compare tab which latent it samples (the Sample tab's source).
  void updateCompareSubject();

  std::unique_ptr<AppSettings> settings_;
  WorkerHost* host_ = nullptr;
  AppMenus* menus_ = nullptr;
  Exporter* exporter_ = nullptr;
  QLabel* modelLabel_ = nullptr;
  ErrorBanner* errorBanner_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  ImagePanel* imagePanel_ = nullptr;
  InvertPanel* invertPanel_ = nullptr;
  InterpolationPanel* interpPanel_ = nullptr;
  SamplePanel* samplePanel_ = nullptr;
  ComparePanel* comparePanel_ = nullptr;
  EditPanel* editPanel_ = nullptr;
  JobBar* jobBar_ = nullptr;

  std::optional<ModelInfo> model_;
  std::optional<ModelRequest> pendingModel_;  // being loaded, remembered once it loads
  std::optional<ModelRequest> loadedModel_;   // the request of the model now loaded
  QString precision_ = QStringLiteral("auto");
  QString pendingImagePath_;
  QString deviceWarning_;  // the requested device could not be used
  QString lastError_;
  std::optional<JobKind> runningJob_;
  bool latentFromSeed_[2] = {false, false};  // latent A, B
  QString latentOrigin_[2];                  // where latent A, B came from ("seed 3")
};
