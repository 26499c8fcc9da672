#include "app_menus.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>

#include "app_settings.h"
#include "io/resources.h"
#include "main_window.h"

AppMenus::AppMenus(MainWindow* window, AppSettings& settings)
    : QObject(window), window_(window), settings_(settings) {
  QMenuBar* bar = window->menuBar();

  QMenu* file = bar->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Image…"), window, &MainWindow::chooseImage);
  open->setShortcut(QKeySequence::Open);
  open->setStatusTip(tr("Open an image to invert (PNG, JPEG, BMP, TIFF, WebP)"));
  QMenu* samples = file->addMenu(tr("Sample &Images"));
  connect(samples, &QMenu::aboutToShow, this, [this, samples] { fillSamples(samples); });
  QMenu* recentImages = file->addMenu(tr("&Recent Images"));
  connect(recentImages, &QMenu::aboutToShow, this,
          [this, recentImages] { fillRecentImages(recentImages); });
  file->addSeparator();
  QAction* modelFolder =
      file->addAction(tr("Open &Model Folder…"), window, &MainWindow::chooseModelFolder);
  modelFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  modelFolder->setStatusTip(
      tr("A folder with a config and weights, a diffusers UNet2DModel folder, or a TorchScript "
         "model with its config"));
  QAction* modelFiles =
      file->addAction(tr("Open Model &File…"), window, &MainWindow::chooseModelFiles);
  modelFiles->setStatusTip(
      tr("A TorchScript or weights file with its config beside it, or a config (.yml) and then "
         "its weights"));
  QMenu* recentModels = file->addMenu(tr("Recent Mo&dels"));
  connect(recentModels, &QMenu::aboutToShow, this,
          [this, recentModels] { fillRecentModels(recentModels); });
  QMenu* precision = file->addMenu(tr("Model &Precision"));
  precision->setToolTipsVisible(true);
  auto* precisionGroup = new QActionGroup(precision);
  for (const QString& name : precisions()) {
    QAction* choice = precision->addAction(name == QStringLiteral("auto") ? tr("auto") : name);
    choice->setCheckable(true);
    choice->setChecked(name == window->precision());
    choice->setToolTip(
        name == QStringLiteral("auto")
            ? tr("bf16 where the CPU has AVX512-BF16 (or on CUDA), else fp32")
        : name == QStringLiteral("fp16")
            ? tr("CUDA only; on the CPU the network runs in fp32")
            : tr("The network's convolutions in %1; sampling and inversion stay fp32").arg(name));
    precisionGroup->addAction(choice);
    connect(choice, &QAction::triggered, window, [window, name] { window->setPrecision(name); });
  }
  file->addSeparator();
  QAction* exportAction =
      file->addAction(tr("&Export Result…"), window, &MainWindow::exportCurrent);
  exportAction->setShortcut(QKeySequence::Save);
  exportAction->setStatusTip(tr("Save what the current tab shows as PNG"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), window, &QWidget::close);
  quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));

  QMenu* edit = bar->addMenu(tr("&Edit"));
  QAction* paste = edit->addAction(tr("&Paste Image"), window, &MainWindow::paste);
  paste->setShortcut(QKeySequence::Paste);
  paste->setStatusTip(tr("Load the image on the clipboard"));

  QMenu* run = bar->addMenu(tr("&Run"));
  invert_ = run->addAction(tr("&Invert Image"), window, &MainWindow::runInvert);
  invert_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  sample_ = run->addAction(tr("&Sample"), window, &MainWindow::runSample);
  sample_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  compare_ = run->addAction(tr("&Compare Step Counts"), window, &MainWindow::runCompare);
  compare_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
  run->addSeparator();
  cancel_ = run->addAction(tr("Ca&ncel Job"), window, &MainWindow::cancelJob);
  cancel_->setShortcut(QKeySequence(Qt::Key_Escape));
  cancel_->setStatusTip(tr("Stop the running job after the current network evaluation"));

  QMenu* help = bar->addMenu(tr("&Help"));
  help->addAction(tr("&About DDIM Studio"), window, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void AppMenus::setState(bool model, bool image, bool busy) {
  invert_->setEnabled(model && image && !busy);
  sample_->setEnabled(model && !busy);
  compare_->setEnabled(model && !busy);
  cancel_->setEnabled(busy);
}

QString AppMenus::samplesFolder() {
  const QString env = qEnvironmentVariable("DDIM_SAMPLES_DIR");
  if (!env.isEmpty()) return env;
  return QDir(QString::fromStdString(ddim::resourceDir())).filePath(QStringLiteral("samples"));
}

QStringList AppMenus::precisions() {
  return {QStringLiteral("auto"), QStringLiteral("fp32"), QStringLiteral("bf16"),
          QStringLiteral("fp16")};
}

QStringList AppMenus::sampleImages() {
  const QDir dir(samplesFolder());
  QStringList out;
  for (const QString& name : dir.entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name)) {
    out << dir.filePath(name);
  }
  return out;
}

void AppMenus::fillSamples(QMenu* menu) {
  menu->clear();
  const QStringList images = sampleImages();
  for (const QString& path : images) {
    menu->addAction(QFileInfo(path).completeBaseName(), window_,
                    [w = window_, path] { w->openImageFile(path); });
  }
  if (images.isEmpty()) menu->addAction(tr("(none in %1)").arg(samplesFolder()))->setEnabled(false);
}

void AppMenus::fillRecentImages(QMenu* menu) {
  menu->clear();
  for (const QString& path : settings_.recentImages()) {
    menu->addAction(path, window_, [w = window_, path] { w->openImageFile(path); });
  }
  if (menu->isEmpty()) menu->addAction(tr("(none)"))->setEnabled(false);
}

void AppMenus::fillRecentModels(QMenu* menu) {
  menu->clear();
  for (const QString& entry : settings_.recentModels()) {
    const ModelRequest model = AppSettings::decodeModel(entry);
    const QString label = model.folder.isEmpty() ? model.weightsPath : model.folder;
    menu->addAction(label, window_, [w = window_, model] { w->openModel(model); });
  }
  if (menu->isEmpty()) menu->addAction(tr("(none)"))->setEnabled(false);
}
