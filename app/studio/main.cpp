// ddim-studio: the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QThread>
#include <algorithm>
#include <cstdio>
#include <utility>

#include "app_menus.h"
#include "demo_runner.h"
#include "main_window.h"
#include "model/cpu_memory.h"
#include "model/device.h"
#include "qt_image_decoder.h"

int main(int argc, char** argv) {
  QGuiApplication::setHighDpiScaleFactorRoundingPolicy(
      Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
  QApplication app(argc, argv);
  ddim::useHugePagesForLargeTensors();  // 256-pixel models: page faults cost more than convolutions
  installQtImageDecoder();              // images OpenCV cannot read (GIF, ...), as in the CLI
  QApplication::setOrganizationName(QStringLiteral("DDIM Studio"));
  QApplication::setApplicationName(QStringLiteral("ddim-studio"));
  QApplication::setApplicationVersion(QStringLiteral(DDIM_STUDIO_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Edit images through a DDIM diffusion model's latent space."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption model(QStringLiteral("model"),
                                 QStringLiteral("Model folder or file to load (else the last "
                                                "one, else the bundled default)."),
                                 QStringLiteral("DIR"));
  const QCommandLineOption device(QStringLiteral("device"),
                                  QStringLiteral("auto, cpu, cuda or cuda:N (default auto)."),
                                  QStringLiteral("DEVICE"), QStringLiteral("auto"));
  const QCommandLineOption threads(
      QStringLiteral("threads"),
      QStringLiteral("CPU threads for the network (default: all cores but one, which is left to "
                     "the window; 0: all cores)."),
      QStringLiteral("N"));
  const QCommandLineOption precision(
      QStringLiteral("precision"),
      QStringLiteral("The network's convolutions: auto, fp32, bf16 or fp16 (default: the last "
                     "one chosen in File > Model Precision, else auto)."),
      QStringLiteral("P"));
  const QCommandLineOption image(QStringLiteral("image"), QStringLiteral("Image to open."),
                                 QStringLiteral("FILE"));
  const QCommandLineOption settings(QStringLiteral("settings"),
                                    QStringLiteral("Settings INI file instead of the user's."),
                                    QStringLiteral("FILE"));
  const QCommandLineOption screenshots(
      QStringLiteral("screenshot-dir"),
      QStringLiteral("Run the main flow as a demo, save window grabs in DIR, then quit."),
      QStringLiteral("DIR"));
  parser.addOptions({model, device, threads, precision, image, settings, screenshots});
  parser.process(app);

  // On a busy machine an OpenMP team as large as the machine stalls whenever one of its threads
  // is descheduled; leaving a core free keeps both the window and the network steady.
  bool threadsOk = true;
  const int threadCount = parser.isSet(threads) ? parser.value(threads).toInt(&threadsOk)
                                                : std::max(1, QThread::idealThreadCount() - 1);
  if (!threadsOk || threadCount < 0) {
    std::fprintf(stderr, "ddim-studio: --threads needs a whole number >= 0, got %s\n",
                 qPrintable(parser.value(threads)));
    return 2;
  }
  MainWindowOptions options;
  options.precision = parser.value(precision);
  if (!options.precision.isEmpty() && !AppMenus::precisions().contains(options.precision)) {
    std::fprintf(stderr, "ddim-studio: --precision must be auto, fp32, bf16 or fp16, got %s\n",
                 qPrintable(options.precision));
    return 2;
  }
  options.device = parser.value(device);
  options.threads = threadCount;
  if (threadCount > 0) ddim::setCpuThreads(threadCount);
  if (parser.isSet(model)) {
    ModelRequest
        request;  // a folder, or one file (TorchScript or weights) with its config beside it
    request.folder = QFileInfo(parser.value(model)).absoluteFilePath();
    options.model = request;
  }
  if (parser.isSet(image)) options.image = QFileInfo(parser.value(image)).absoluteFilePath();
  const QString screenshotDir = parser.value(screenshots);
  if (parser.isSet(settings)) {
    options.settingsPath = parser.value(settings);
  } else if (!screenshotDir.isEmpty()) {  // a reproducible demo that leaves the user's alone
    QDir().mkpath(screenshotDir);
    options.settingsPath = QDir(screenshotDir).filePath(QStringLiteral("demo-settings.ini"));
    QFile::remove(options.settingsPath);
  }

  QString demoImage;  // the demo opens it as its first stage
  if (!screenshotDir.isEmpty()) std::swap(demoImage, options.image);

  MainWindow window(options);
  if (!screenshotDir.isEmpty()) window.resize(1280, 800);
  window.show();

  int exitCode = 0;
  if (!screenshotDir.isEmpty()) {
    auto* demo = new DemoRunner(&window, screenshotDir, demoImage);
    QObject::connect(demo, &DemoRunner::done, &window, [&](bool ok, const QString&) {
      exitCode = ok ? 0 : 1;
      window.close();
    });
    demo->start();
  }
  const int rc = app.exec();
  return exitCode != 0 ? exitCode : rc;
}
