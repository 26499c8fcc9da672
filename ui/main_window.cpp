#include "main_window.h"

#include <QAbstractSpinBox>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "app_menus.h"
#include "app_settings.h"
#include "compare_panel.h"
#include "edit_panel.h"
#include "error_banner.h"
#include "exporter.h"
#include "image_panel.h"
#include "image_view.h"
#include "interpolation_panel.h"
#include "invert_panel.h"
#include "job_bar.h"
#include "latent_panel.h"
#include "model/model_loader.h"
#include "sample_panel.h"
#include "worker.h"
#include "worker_host.h"

namespace {
QString formatParameters(qint64 n) {
  if (n >= 1000000) return QObject::tr("%1 M parameters").arg(n / 1e6, 0, 'f', 1);
  if (n >= 1000) return QObject::tr("%1 k parameters").arg(n / 1e3, 0, 'f', 1);
  return QObject::tr("%1 parameters").arg(n);
}

bool modelExists(const ModelRequest& m) {
  return m.folder.isEmpty() ? QFileInfo(m.configPath).isFile() && QFileInfo(m.weightsPath).isFile()
                            : QFileInfo::exists(m.folder);
}

const QString kImageFilter = QObject::tr(
    "Images (*.png *.jpg *.jpeg *.gif *.bmp *.tif *.tiff *.webp *.pnm *.ppm *.pgm);;"
    "All files (*)");
const QString kNpyFilter = QObject::tr("NumPy arrays (*.npy)");
}  // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent),
      settings_(options.settingsPath.isEmpty()
                    ? std::make_unique<AppSettings>()
                    : std::make_unique<AppSettings>(options.settingsPath)) {
  setWindowTitle(tr("DDIM Studio"));
  setAcceptDrops(true);
  setMinimumSize(900, 620);
  host_ = new WorkerHost(options.device, options.threads, this);
  exporter_ = new Exporter(this, *settings_);
  buildLayout();
  precision_ = options.precision.isEmpty()
                   ? settings_->value(QStringLiteral("model/precision"), precision_).toString()
                   : options.precision;
  if (!AppMenus::precisions().contains(precision_)) precision_ = QStringLiteral("auto");
  menus_ = new AppMenus(this, *settings_);
  connectWorker();

  invertPanel_->restore(*settings_);
  interpPanel_->restore(*settings_);
  samplePanel_->restore(*settings_);
  comparePanel_->restore(*settings_);
  editPanel_->restore(*settings_);
  if (!restoreGeometry(settings_->value(QStringLiteral("window/geometry")).toByteArray())) {
    resize(1180, 760);
  }
  tabs_->setCurrentIndex(settings_->value(QStringLiteral("window/tab"), 0).toInt());
  updateState();
  loadStartupModel(options);
  if (!options.image.isEmpty()) openImageFile(options.image);
  qApp->installEventFilter(this);
}

MainWindow::~MainWindow() { host_->shutdown(); }

void MainWindow::buildLayout() {
  modelLabel_ = new QLabel(this);
  modelLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  modelLabel_->setContentsMargins(8, 4, 8, 4);
  imagePanel_ = new ImagePanel(this);
  invertPanel_ = new InvertPanel(this);
  interpPanel_ = new InterpolationPanel(this);
  samplePanel_ = new SamplePanel(this);
  comparePanel_ = new ComparePanel(this);
  tabs_ = new QTabWidget(this);
  tabs_->addTab(invertPanel_, tr("Invert"));
  tabs_->addTab(interpPanel_, tr("Latents && Interpolation"));
  tabs_->addTab(samplePanel_, tr("Sample"));
  tabs_->addTab(comparePanel_, tr("Compare Steps"));
  editPanel_ = new EditPanel(this);
  tabs_->addTab(editPanel_, tr("Edit"));

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(imagePanel_);
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setCollapsible(0, false);
  splitter->setCollapsible(1, false);
  splitter->setSizes({250, 900});

  jobBar_ = new JobBar(this);
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(6, 4, 6, 4);
  layout->addWidget(modelLabel_);
  layout->addWidget(splitter, 1);
  layout->addWidget(jobBar_);
  setCentralWidget(central);
  errorBanner_ = new ErrorBanner(central);  // over the layout, not in it
  statusBar()->showMessage(tr("Ready"));

  auto exportSlot = [this](const QImage& image, const QString& name) { exportImage(image, name); };
  connect(exporter_, &Exporter::failed, this, &MainWindow::showError);
  connect(exporter_, &Exporter::written, this, [this](const QString& path) {
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    Q_EMIT fileWritten(path);
  });
  connect(invertPanel_, &InvertPanel::invertRequested, this, &MainWindow::runInvert);
  connect(invertPanel_, &InvertPanel::exportRequested, this, exportSlot);
  connect(samplePanel_, &SamplePanel::sampleRequested, this, &MainWindow::runSample);
  connect(samplePanel_, &SamplePanel::sourceChanged, this, &MainWindow::suggestGuidance);
  connect(samplePanel_, &SamplePanel::sourceChanged, this, &MainWindow::updateCompareSubject);
  connect(samplePanel_, &SamplePanel::exportRequested, this, exportSlot);
  connect(comparePanel_, &ComparePanel::compareRequested, this, &MainWindow::runCompare);
  connect(comparePanel_, &ComparePanel::exportRequested, this, exportSlot);
  connect(interpPanel_, &InterpolationPanel::exportRequested, this, exportSlot);
  connect(interpPanel_, &InterpolationPanel::filmstripRequested, this,
          &MainWindow::exportFilmstrip);
  connect(interpPanel_, &InterpolationPanel::pathRequested, this,
          [this](const PathRequest& request) {
            interpPanel_->setPathGeneration(host_->preparePath(request));
          });
  connect(interpPanel_, &InterpolationPanel::sliderRequested, this,
          [this](const SliderRequest& request) {
            interpPanel_->setSliderGeneration(host_->requestSlider(request));
          });
  for (LatentSlot slot : {LatentSlot::kA, LatentSlot::kB}) {
    LatentPanel* panel = interpPanel_->latentPanel(slot);
    connect(panel, &LatentPanel::seedRequested, this, &MainWindow::latentFromSeed);
    connect(panel, &LatentPanel::openNpyRequested, this, &MainWindow::openLatent);
    connect(panel, &LatentPanel::saveNpyRequested, this, &MainWindow::saveLatent);
  }
  connect(jobBar_, &JobBar::cancelRequested, this, &MainWindow::cancelJob);
  connect(editPanel_, &EditPanel::applyRequested, this, &MainWindow::runEdit);
  connect(editPanel_, &EditPanel::previewRequested, this, [this] {
    editPanel_->setPreviewGeneration(host_->requestEditPreview(editPanel_->request()));
  });
  connect(editPanel_, &EditPanel::invertRequested, this,
          [this](LatentSlot slot, const QImage& image) {
            InvertRequest request = invertPanel_->request();
            request.target = slot;
            request.image = image;
            host_->invert(request);
          });
  connect(editPanel_, &EditPanel::exportRequested, this, exportSlot);
}

void MainWindow::connectWorker() {
  Worker* w = host_->worker();
  connect(host_, &WorkerHost::busyChanged, this, &MainWindow::updateState);
  connect(w, &Worker::deviceChosen, this, [this](const QString& device) {
    statusBar()->showMessage(tr("Running on %1").arg(device), 5000);
  });
  connect(w, &Worker::deviceWarning, this, [this](const QString& reason) {
    deviceWarning_ = reason;  // kept in the model line: the banner goes with the next job
    showError(reason);
  });
  connect(w, &Worker::started, this, [this](JobKind kind) {
    runningJob_ = kind;
    errorBanner_->hide();
    jobBar_->onStarted(kind);
  });
  connect(w, &Worker::progress, jobBar_, &JobBar::onProgress);
  connect(w, &Worker::preview, this, [this](const QImage& image) {
    jobBar_->onPreview(image);
    if (runningJob_ == JobKind::kSample) samplePanel_->showPreview(image);
    if (runningJob_ == JobKind::kEdit) editPanel_->showJobPreview(image);
  });
  connect(w, &Worker::finished, this,
          [this](JobKind kind) { onJobEnded(kind, tr("%1: done").arg(jobTitle(kind)), true); });
  connect(w, &Worker::cancelled, this, [this](JobKind kind) {
    if (kind == JobKind::kCompare) comparePanel_->markUnfinished(tr("cancelled"));
    onJobEnded(kind, tr("%1: cancelled").arg(jobTitle(kind)), false);
  });
  connect(w, &Worker::failed, this, [this](JobKind kind, const QString& reason) {
    if (kind == JobKind::kLoadModel) pendingModel_.reset();
    if (kind == JobKind::kLoadImage) pendingImagePath_.clear();
    if (kind == JobKind::kCompare) comparePanel_->markUnfinished(tr("not run: the job failed"));
    showError(tr("Cannot %1: %2").arg(jobFailureVerb(kind), reason));
    onJobEnded(kind, tr("%1: failed").arg(jobTitle(kind)), false);
  });
  connect(w, &Worker::modelLoaded, this, &MainWindow::onModelLoaded);
  connect(w, &Worker::imageLoaded, this, [this](const ImageInfo& info) {
    imagePanel_->showImage(info);
    editPanel_->onImageLoaded(info, runningJob_ == JobKind::kLoadImage);
    invertPanel_->clearResult();  // the inversion shown was of the previous image
    if (!info.note.isEmpty()) statusBar()->showMessage(info.note, 15000);
    if (!pendingImagePath_.isEmpty()) settings_->addRecentImage(pendingImagePath_);
    pendingImagePath_.clear();
    updateState();
  });
  connect(w, &Worker::inverted, invertPanel_, &InvertPanel::showResult);
  connect(w, &Worker::latentChanged, interpPanel_, &InterpolationPanel::onLatentChanged);
  connect(w, &Worker::latentChanged, this, [this](const LatentInfo& info) {
    latentFromSeed_[info.slot == LatentSlot::kA ? 0 : 1] = info.fromSeed;
    latentOrigin_[info.slot == LatentSlot::kA ? 0 : 1] =
        info.image.isNull() ? QString() : info.origin;
    suggestGuidance();
    updateCompareSubject();
  });
  connect(w, &Worker::latentSaved, this, [this](LatentSlot slot, const QString& path) {
    statusBar()->showMessage(tr("Saved latent %1 to %2").arg(slotName(slot), path), 5000);
    Q_EMIT fileWritten(path);
  });
  connect(w, &Worker::sampled, samplePanel_, &SamplePanel::showResult);
  connect(w, &Worker::compareItem, comparePanel_, &ComparePanel::addItem);
  connect(w, &Worker::compared, comparePanel_, &ComparePanel::setItems);
  connect(w, &Worker::sliderFrame, interpPanel_, &InterpolationPanel::onSliderFrame);
  connect(w, &Worker::pathFrame, interpPanel_, &InterpolationPanel::onPathFrame);
  connect(w, &Worker::pathSpacing, interpPanel_, &InterpolationPanel::onPathSpacing);
  connect(w, &Worker::sliderFailed, interpPanel_, &InterpolationPanel::onSliderFailed);
  connect(w, &Worker::filmstripReady, exporter_, &Exporter::writeFilmstrip);
  connect(w, &Worker::edited, editPanel_, &EditPanel::showResult);
  connect(w, &Worker::editPreview, editPanel_, &EditPanel::onEditPreview);
  connect(w, &Worker::editPreviewFailed, editPanel_, &EditPanel::onEditPreviewFailed);
}

void MainWindow::loadStartupModel(const MainWindowOptions& options) {
  std::optional<ModelRequest> request = options.model;
  if (!request) {
    const auto last = settings_->lastModel();
    if (last && modelExists(*last)) request = last;
  }
  if (!request) {
    QString folder;
    try {
      folder = QString::fromStdString(ddim::defaultModelFolder());
    } catch (const std::exception&) {
    }
    if (!folder.isEmpty() && QFileInfo(folder).isDir()) {
      request = ModelRequest{};
      request->folder = folder;
    } else {
      modelLabel_->setText(tr("<b>No model loaded:</b> File &gt; Open Model (the default model "
                              "was not found in %1)")
                               .arg(folder.toHtmlEscaped()));
    }
  }
  if (request) openModel(*request);
}

void MainWindow::setPrecision(const QString& precision) {
  if (precision == precision_) return;
  precision_ = precision;
  settings_->setValue(QStringLiteral("model/precision"), precision_);
  if (loadedModel_ && !pendingModel_) openModel(*loadedModel_);
}

void MainWindow::openModel(const ModelRequest& request) {
  ModelRequest model = request;
  model.precision = precision_;
  pendingModel_ = model;
  modelLabel_->setText(
      tr("Loading model %1…").arg(AppSettings::encodeModel(model).toHtmlEscaped()));
  host_->loadModel(model);
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
  model_ = info;
  modelLabel_->setText(tr("<b>%1</b> · %2 × %2 px · %3 · %4 · %5 · %6")
                           .arg(info.name.toHtmlEscaped())
                           .arg(info.resolution)
                           .arg(formatParameters(info.parameters), info.format.toHtmlEscaped(),
                                info.device.toHtmlEscaped(), info.precision.toHtmlEscaped()));
  if (!deviceWarning_.isEmpty()) {
    modelLabel_->setText(modelLabel_->text() + QStringLiteral(" <span style=\"color:#a3261d\">(") +
                         deviceWarning_.toHtmlEscaped() + QStringLiteral(")</span>"));
  }
  modelLabel_->setToolTip(tr("Loaded from %1; T = %2; network in %3 (%4)")
                              .arg(info.source)
                              .arg(info.numTimesteps)
                              .arg(info.precision, info.precisionReason));
  setWindowTitle(tr("DDIM Studio: %1").arg(info.name));
  if (pendingModel_) {
    loadedModel_ = pendingModel_;
    settings_->setLastModel(*pendingModel_);
    settings_->addRecentModel(*pendingModel_);
    pendingModel_.reset();
  }
  invertPanel_->clearResult();
  invertPanel_->setModelResolution(info.resolution);
  editPanel_->setModelResolution(info.resolution);
  imagePanel_->setModel(info.name, info.resolution);
  interpPanel_->onModelLoaded();
  samplePanel_->setGuide(info.guide, info.guidance);
  suggestGuidance();
  updateState();
}

void MainWindow::openImageFile(const QString& path) {
  pendingImagePath_ = QFileInfo(path).absoluteFilePath();
  ImageRequest request;
  request.path = pendingImagePath_;
  host_->loadImage(request);
}

void MainWindow::openImageData(const QImage& image, const QString& name) {
  if (image.isNull()) {
    showError(tr("Cannot load %1: it holds no image data").arg(name));
    return;
  }
  ImageRequest request;
  request.image = image;
  request.name = name;
  host_->loadImage(request);
}

void MainWindow::chooseImage() {
  const QString path = exporter_->dialogs().openFile(this, tr("Open Image"), kImageFilter);
  if (!path.isEmpty()) openImageFile(path);
}

void MainWindow::chooseModelFolder() {
  const QString folder = exporter_->dialogs().openFolder(this, tr("Open Model Folder"));
  if (folder.isEmpty()) return;
  ModelRequest model;
  model.folder = folder;
  openModel(model);
}

void MainWindow::chooseModelFiles() {
  const QString first = exporter_->dialogs().openFile(
      this, tr("Open Model File"),
      tr("Models (*.safetensors *.ckpt *.pt *.pth *.bin *.yml *.yaml *.json);;All files (*)"));
  if (first.isEmpty()) return;
  ModelRequest model;
  const QString suffix = QFileInfo(first).suffix().toLower();
  if (suffix == QLatin1String("yml") || suffix == QLatin1String("yaml") ||
      suffix == QLatin1String("json")) {  // a config: its weights come next
    model.configPath = first;
    model.weightsPath = exporter_->dialogs().openFile(
        this, tr("Model Weights"),
        tr("Weights (*.safetensors *.ckpt *.pt *.pth *.bin);;All files (*)"));
    if (model.weightsPath.isEmpty()) return;
  } else {  // weights or a TorchScript file: core finds the config beside it
    model.folder = first;
  }
  openModel(model);
}

void MainWindow::paste() {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  if (mime && mime->hasImage()) {
    openImageData(qvariant_cast<QImage>(mime->imageData()), tr("pasted image"));
  } else if (mime && mime->hasUrls() && mime->urls().front().isLocalFile()) {
    openImageFile(mime->urls().front().toLocalFile());
  } else if (mime && mime->hasText() && QFileInfo(mime->text().trimmed()).isFile()) {
    openImageFile(mime->text().trimmed());
  } else {
    showError(tr("Cannot paste: the clipboard holds no image"));
  }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasImage() || (mime->hasUrls() && mime->urls().front().isLocalFile())) {
    event->acceptProposedAction();
  }
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && mime->urls().front().isLocalFile()) {
    const QString path = mime->urls().front().toLocalFile();
    if (QFileInfo(path).isDir()) {
      ModelRequest model;
      model.folder = path;
      openModel(model);
    } else {
      openImageFile(path);
    }
  } else if (mime->hasImage()) {
    openImageData(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
  }
  event->acceptProposedAction();
}

void MainWindow::suggestGuidance() {
  if (!model_ || model_->guide.isEmpty()) return;
  bool seeded = false;
  switch (samplePanel_->request().source) {
    case LatentSource::kA:
      seeded = latentFromSeed_[0];
      break;
    case LatentSource::kB:
      seeded = latentFromSeed_[1];
      break;
    case LatentSource::kPath:
      seeded = latentFromSeed_[0] && latentFromSeed_[1];
      break;
  }
  samplePanel_->setGuidance(seeded ? model_->guidance : 1.0);
}

void MainWindow::runInvert() { host_->invert(invertPanel_->request()); }

SampleRequest MainWindow::sampleRequest() const {
  SampleRequest request = samplePanel_->request();
  request.alpha = interpPanel_->alpha();
  request.mode = interpPanel_->params().mode;
  return request;
}

void MainWindow::runSample() { host_->sample(sampleRequest()); }

void MainWindow::runCompare() {
  QString error;
  const QVector<int> counts = comparePanel_->stepCounts(&error);
  if (counts.isEmpty()) {
    showError(tr("Cannot compare step counts: %1").arg(error));
    return;
  }
  const SampleRequest request = sampleRequest();
  updateCompareSubject();
  if (request.source == LatentSource::kPath) {
    comparePanel_->setSubject(
        tr("Compares the point at α = %1 on the path from latent A (%2) to latent B (%3), with "
           "the Sample tab's settings")
            .arg(request.alpha, 0, 'f', 2)
            .arg(latentOrigin_[0], latentOrigin_[1]));
  }
  comparePanel_->begin(counts);
  host_->compare(CompareRequest::of(request, counts));
}

void MainWindow::updateCompareSubject() {
  const LatentSource source = samplePanel_->request().source;
  if (source == LatentSource::kPath) {
    comparePanel_->setSubject(
        tr("Compares the point on the path from latent A to latent B at "
           "the slider, with the Sample tab's settings"));
    return;
  }
  const int i = source == LatentSource::kA ? 0 : 1;
  const QString name = slotName(source == LatentSource::kA ? LatentSlot::kA : LatentSlot::kB);
  comparePanel_->setSubject(
      latentOrigin_[i].isEmpty()
          ? tr("Compares latent %1 (empty: set it on the Latents tab), as chosen on the Sample tab")
                .arg(name)
          : tr("Compares latent %1 (%2), as chosen on the Sample tab").arg(name, latentOrigin_[i]));
}

void MainWindow::runEdit() { host_->edit(editPanel_->request()); }

void MainWindow::latentFromSeed(LatentSlot slot, quint64 seed) {
  host_->setLatent(LatentRequest::fromSeed(slot, seed));
}

void MainWindow::openLatent(LatentSlot slot) {
  const QString path =
      exporter_->dialogs().openFile(this, tr("Load Latent %1").arg(slotName(slot)), kNpyFilter);
  if (path.isEmpty()) return;
  host_->setLatent(LatentRequest::fromNpy(slot, path));
}

void MainWindow::saveLatent(LatentSlot slot) {
  const QString path = exporter_->askSavePath(tr("Save Latent %1").arg(slotName(slot)),
                                              QStringLiteral("latent-%1.npy").arg(slotName(slot)),
                                              kNpyFilter, QStringLiteral(".npy"));
  if (path.isEmpty()) return;
  host_->setLatent(LatentRequest::saveTo(slot, path));
}

void MainWindow::exportFilmstrip(FilmstripFormat format) {
  const QString path = exporter_->askFilmstripPath(format);
  if (path.isEmpty()) return;
  FilmstripRequest request;
  request.params = interpPanel_->params();
  request.frames = interpPanel_->filmstripFrames();
  request.alphas = interpPanel_->filmstripAlphas();
  request.path = path;
  host_->filmstrip(request);
}

void MainWindow::exportCurrent() {
  QWidget* tab = tabs_->currentWidget();
  if (tab == invertPanel_) {
    exportImage(invertPanel_->reconstructionView()->image(), QStringLiteral("reconstruction.png"));
  } else if (tab == interpPanel_) {
    exportImage(interpPanel_->frameView()->image(), QStringLiteral("interpolation.png"));
  } else if (tab == samplePanel_) {
    exportImage(samplePanel_->resultView()->image(), QStringLiteral("sample.png"));
  } else if (tab == editPanel_) {
    exportImage(editPanel_->canvas()->image(), QStringLiteral("edited.png"));
  } else {
    exportImage(comparePanel_->gridImage(), QStringLiteral("step-comparison.png"));
  }
}

bool MainWindow::exportImage(const QImage& image, const QString& suggestedName) {
  return exporter_->exportPng(image, suggestedName);
}

void MainWindow::setFileDialogs(const FileDialogs& dialogs) { exporter_->setDialogs(dialogs); }

void MainWindow::cancelJob() {
  if (!busy()) return;
  host_->cancel();
  statusBar()->showMessage(tr("Cancelling…"));
}

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About DDIM Studio"),
      tr("<h3>DDIM Studio %1</h3>"
         "<p>Edit images through the latent space of a diffusion model: invert an image to its "
         "noise, interpolate between latents, re-sample with any step count.</p>"
         "<p>Based on Jiaming Song, Chenlin Meng and Stefano Ermon, <i>Denoising Diffusion "
         "Implicit Models</i>, ICLR 2021 (arXiv:2010.02502).</p>"
         "<p>Built with Qt %2 and LibTorch.</p>")
          .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::onJobEnded(JobKind kind, const QString& message, bool succeeded) {
  runningJob_.reset();

  jobBar_->onEnded(message, succeeded);
  if (!succeeded) statusBar()->showMessage(message, 5000);
  if (!model_ && !pendingModel_ && kind == JobKind::kLoadModel) {
    modelLabel_->setText(tr("<b>No model loaded:</b> File &gt; Open Model"));
  } else if (model_ && kind == JobKind::kLoadModel && !succeeded) {
    onModelLoaded(*model_);  // the previous model is still loaded: say so again
  }
  updateState();
  Q_EMIT jobEnded(kind, succeeded);
}

void MainWindow::showError(const QString& message) {
  lastError_ = message;
  errorBanner_->showMessage(message);
  statusBar()->showMessage(message, 10000);
}

bool MainWindow::busy() const { return host_->busy(); }

QString MainWindow::modelText() const { return modelLabel_->text(); }

QString MainWindow::errorText() const {
  return errorBanner_->isVisibleTo(this) ? lastError_ : QString();
}

QString MainWindow::jobText() const { return jobBar_->statusText(); }

void MainWindow::updateState() {
  const bool model = model_.has_value();
  const bool b = busy();
  invertPanel_->setState(model && imagePanel_->hasImage(), b);
  interpPanel_->setState(model, b);
  samplePanel_->setState(model, b);
  comparePanel_->setState(model, b);
  editPanel_->setState(model, b);
  menus_->setState(model, imagePanel_->hasImage(), b);
}

void MainWindow::saveSettings() {
  settings_->setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings_->setValue(QStringLiteral("window/tab"), tabs_->currentIndex());
  invertPanel_->save(*settings_);
  interpPanel_->save(*settings_);
  samplePanel_->save(*settings_);
  comparePanel_->save(*settings_);
  editPanel_->save(*settings_);
  settings_->sync();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  // The shortcut map asks the focus widget first (ShortcutOverride); a spin box's line editor
  // claims Ctrl+V for itself. Withholding the question from it lets Edit > Paste Image run.
  if (event->type() == QEvent::ShortcutOverride) {
    auto* key = static_cast<QKeyEvent*>(event);
    auto* widget = qobject_cast<QWidget*>(watched);
    if (key->matches(QKeySequence::Paste) && widget && isAncestorOf(widget) &&
        (qobject_cast<QAbstractSpinBox*>(widget) ||
         qobject_cast<QAbstractSpinBox*>(widget->parentWidget()))) {
      return true;
    }
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  host_->shutdown();  // cancels a running job within one network evaluation, then joins
  event->accept();
}
