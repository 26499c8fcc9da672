#include "worker.h"

#include <ATen/ATen.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QMetaObject>
#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "diffusion/edit.h"
#include "diffusion/interpolation.h"
#include "diffusion/noise.h"
#include "diffusion/sampler.h"
#include "errors.h"
#include "io/image_io.h"
#include "io/npy.h"
#include "job_meter.h"
#include "model/device.h"
#include "model/model_loader.h"
#include "path_cache.h"
#include "qt_tensor.h"
#include "tasks/compare.h"
#include "tasks/latents.h"
#include "tasks/reconstruct.h"

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

/// An image from the window at the model's resolution: [1, 3, S, S] in model space on `device`.
at::Tensor modelInput(const QImage& image, int size, const c10::Device& device) {
  const at::Tensor view = ddim::cropAndResize(qImageToRgb01(image), size);
  return (view * 2 - 1).unsqueeze(0).to(device);
}

/// A regeneration mask from the window (white = regenerate) at the model's resolution:
/// [1, 1, S, S] in [0, 1] on `device`, or an undefined tensor when no pixel is to be regenerated.
at::Tensor modelMask(const QImage& mask, int size, const c10::Device& device) {
  if (mask.isNull()) return {};
  const at::Tensor m = ddim::cropAndResize(qImageToRgb01(mask), size).mean(0, /*keepdim=*/true);
  if (m.max().item<float>() <= 0.0f) return {};
  return m.unsqueeze(0).to(device);
}

/// The edit's two networks: guided by the model's own weight when it starts from forward noise;
/// the model alone when it inverts, so that an inverted image decodes to itself (as `ddim edit`).
ddim::EditDenoisers editDenoisers(const ddim::LoadedModel& m, const ddim::EditOptions& o) {
  return {m.sampling(o.noise == ddim::EditNoise::kInvert ? 1.0 : m.guidance), m.denoiser};
}

/// Runs the edit that `request` describes.
at::Tensor runEdit(const ddim::LoadedModel& m, const EditRequest& request,
                   const ddim::EditOptions& options, const ddim::RunControl& control,
                   ddim::EditReport* report, bool* masked = nullptr) {
  if (request.image.isNull())
    throw ddim::Error("no image to edit: open an image or start a new one");
  const int size = m.config.imageSize;
  const at::Tensor x0 = modelInput(request.image, size, m.device);
  const at::Tensor mask = modelMask(request.mask, size, m.device);
  const ddim::EditDenoisers denoisers = editDenoisers(m, options);
  if (masked) *masked = mask.defined();
  return mask.defined()
             ? ddim::regenerateMasked(denoisers, m.schedule, x0, mask, options, control, report)
             : ddim::strengthEdit(denoisers, m.schedule, x0, options, control, report);
}

/// The reason of the exception being handled, for the window.
QString describeCurrentException() {
  try {
    throw;
  } catch (const ddim::Error& e) {
    return fromStd(e.what());
  } catch (const std::bad_alloc&) {
    return QObject::tr("out of memory");
  } catch (const c10::Error& e) {
    const QString what = fromStd(e.what_without_backtrace());
    return what.contains(QLatin1String("out of memory"), Qt::CaseInsensitive)
               ? QObject::tr("out of memory: %1").arg(what)
               : what;
  } catch (const std::exception& e) {
    return fromStd(e.what());
  } catch (...) {
    return QObject::tr("unknown error");
  }
}

}  // namespace

struct Worker::State {
  c10::Device device = c10::Device(c10::kCPU);
  std::unique_ptr<ddim::LoadedModel> model;
  at::Tensor image01;  // [3, H, W] in [0, 1], CPU
  QString imageName;
  at::Tensor x0;                      // [1, C, R, R] model space, on the model's device
  std::array<at::Tensor, 2> latents;  // [1, C, R, R] on the model's device
  PathCache path;                     // the background cache being filled

  [[nodiscard]] const ddim::LoadedModel& requireModel() const {
    if (!model) throw ddim::Error("no model loaded: use File > Open Model");
    return *model;
  }
  [[nodiscard]] at::Tensor& latent(LatentSlot slot) {
    return latents[slot == LatentSlot::kA ? 0 : 1];
  }
  [[nodiscard]] at::Tensor requireLatent(LatentSlot slot) {
    const at::Tensor& z = latent(slot);
    if (!z.defined()) {
      throw ddim::Error("latent " + slotName(slot).toStdString() +
                        " is empty: invert an image into it, or set it from a seed or a .npy file");
    }
    return z;
  }
  /// The latent a sample or comparison starts from: A, B, or the point alpha on the A-B path.
  [[nodiscard]] at::Tensor sourceLatent(LatentSource source, double alpha, ddim::InterpMode mode) {
    switch (source) {
      case LatentSource::kA:
        return requireLatent(LatentSlot::kA);
      case LatentSource::kB:
        return requireLatent(LatentSlot::kB);
      case LatentSource::kPath:
        break;
    }
    return ddim::interpolate(requireLatent(LatentSlot::kA), requireLatent(LatentSlot::kB), alpha,
                             mode);
  }
  /// Recomputes what the model sees of the current image; null image without model or image.
  QImage updateModelView() {
    x0 = at::Tensor();
    if (!model || !image01.defined()) return {};
    const at::Tensor view = ddim::cropAndResize(image01, model->config.imageSize);
    x0 = (view * 2 - 1).unsqueeze(0).to(model->device);
    return toQImage(ddim::toRgb8From01(view));
  }
};

Worker::Worker(QObject* parent) : QObject(parent), state_(std::make_unique<State>()) {
  registerWorkerTypes();
}

Worker::~Worker() = default;

quint64 Worker::issueTicket() {
  pathAbort_.store(true);  // a job is coming: the background cache and a preview give way
  previewAbort_.store(true);
  return ++issued_;
}

void Worker::cancel() {
  QMutexLocker lock(&cancelMutex_);
  cancelledThrough_ = issued_.load();
  cancel_.store(true);
}

void Worker::stop() {
  stopping_.store(true);
  pathAbort_.store(true);
  previewAbort_.store(true);
  cancel();
}

quint64 Worker::requestSlider(SliderRequest request) {
  QMutexLocker lock(&sliderMutex_);
  request.generation = ++sliderGeneration_;
  pendingSlider_ = request;
  pathAbort_.store(true);  // the slider goes before the background cache
  if (!sliderQueued_) {
    sliderQueued_ = true;
    QMetaObject::invokeMethod(this, &Worker::processSlider, Qt::QueuedConnection);
  }
  return request.generation;
}

quint64 Worker::requestEditPreview(EditRequest request) {
  QMutexLocker lock(&previewMutex_);
  request.ticket = ++previewGeneration_;  // a preview's ticket is its generation
  request.options.count = 1;
  pendingPreview_ = request;
  previewAbort_.store(true);  // the running preview is out of date
  pathAbort_.store(true);     // a preview goes before the background cache, as the slider
  if (!previewQueued_) {
    previewQueued_ = true;
    QMetaObject::invokeMethod(this, &Worker::processEditPreview, Qt::QueuedConnection);
  }
  return request.ticket;
}

quint64 Worker::newPathGeneration() {
  pathAbort_.store(true);
  return ++pathGeneration_;
}

bool Worker::beginJob(quint64 ticket) {
  QMutexLocker lock(&cancelMutex_);
  begun_.store(std::max(begun_.load(), ticket));
  if (stopping_.load() || (ticket != 0 && ticket <= cancelledThrough_)) return false;
  cancel_.store(false);
  return true;
}

void Worker::runJob(JobKind kind, quint64 ticket, const std::function<void()>& body) {
  if (!beginJob(ticket)) {
    Q_EMIT cancelled(kind);
    return;
  }
  Q_EMIT started(kind);
  try {
    // Thread-local, and on for every job that runs the network. Not while loading: a model built
    // under InferenceMode has inference-tensor weights, whose version counter core's packed
    // convolution reads.
    std::optional<c10::InferenceMode> guard;
    if (kind != JobKind::kLoadModel) guard.emplace();
    body();
    Q_EMIT finished(kind);
  } catch (const ddim::Cancelled&) {
    Q_EMIT cancelled(kind);
  } catch (...) {
    Q_EMIT failed(kind, describeCurrentException());
  }
}

void Worker::initialise(const QString& device, int threads) {
  try {
    // OpenMP's thread count is per thread and LibTorch may start this one with 1: always set it
    // here, on the thread that runs the network (<= 0: all cores).
    ddim::setCpuThreads(threads);
    state_->device = ddim::parseDevice(device.toStdString());
  } catch (...) {
    Q_EMIT deviceWarning(
        tr("Cannot use device %1: %2; using the CPU").arg(device, describeCurrentException()));
    state_->device = c10::Device(c10::kCPU);
  }
  Q_EMIT deviceChosen(fromStd(ddim::describeDevice(state_->device)));
}

void Worker::loadModel(const ModelRequest& request) {
  runJob(JobKind::kLoadModel, request.ticket, [&] {
    State& s = *state_;
    ddim::ModelSource source;
    source.folder = request.folder.toStdString();
    source.configPath = request.configPath.toStdString();
    source.weightsPath = request.weightsPath.toStdString();
    auto loaded = std::make_unique<ddim::LoadedModel>(ddim::loadModel(source, s.device));
    ddim::applyPrecision(*loaded, ddim::parsePrecision(request.precision.toStdString()));
    s.model = std::move(loaded);  // only now: a failed load keeps the previous model

    ModelInfo info;
    const auto& m = *s.model;
    info.name = fromStd(m.name);
    info.source = request.folder.isEmpty() ? request.weightsPath : request.folder;
    info.format = fromStd(ddim::toString(m.format));
    info.device = fromStd(ddim::describeDevice(m.device));
    info.precision = fromStd(ddim::toString(m.precision.used));
    info.precisionReason = fromStd(m.precision.reason);
    info.resolution = m.config.imageSize;
    info.channels = m.config.model.inChannels;
    info.parameters = m.parameterCount;
    info.numTimesteps = m.schedule.numTimesteps();
    if (m.hasGuide()) info.guide = fromStd(m.guideName);
    info.guidance = m.guidance;

    const std::vector<int64_t> shape = ddim::latentShape(m);
    for (LatentSlot slot : {LatentSlot::kA, LatentSlot::kB}) {
      at::Tensor& z = s.latent(slot);
      if (z.defined() && z.sizes().vec() != shape) z = at::Tensor();
      if (z.defined()) z = z.to(m.device);
    }
    s.path.clear();
    Q_EMIT modelLoaded(info);
    for (LatentSlot slot : {LatentSlot::kA, LatentSlot::kB}) {
      if (!s.latent(slot).defined()) Q_EMIT latentChanged(LatentInfo{slot, {}, {}});
    }
    if (s.image01.defined()) {
      Q_EMIT imageLoaded(ImageInfo{s.imageName, toQImage(ddim::toRgb8From01(s.image01)),
                                   s.updateModelView(),
                                   /*note=*/{}});
    }
  });
}

void Worker::loadImage(const ImageRequest& request) {
  runJob(JobKind::kLoadImage, request.ticket, [&] {
    State& s = *state_;
    std::string note;
    at::Tensor rgb = request.path.isEmpty() ? qImageToRgb01(request.image)
                                            : ddim::readImage(request.path.toStdString(), &note);
    if (rgb.numel() == 0) throw ddim::Error("the image is empty");
    s.image01 = rgb;
    s.imageName = request.name.isEmpty() ? QFileInfo(request.path).fileName() : request.name;
    Q_EMIT imageLoaded(ImageInfo{s.imageName, toQImage(ddim::toRgb8From01(rgb)),
                                 s.updateModelView(), fromStd(note)});
  });
}

void Worker::invert(const InvertRequest& request) {
  runJob(JobKind::kInvert, request.ticket, [&] {
    State& s = *state_;
    const auto& m = s.requireModel();
    const at::Tensor x0 =
        request.image.isNull() ? s.x0 : modelInput(request.image, m.config.imageSize, m.device);
    if (!x0.defined()) throw ddim::Error("no image to invert: open an image first");
    const QString name = request.image.isNull() ? s.imageName : tr("the edited image");
    const int steps = request.options.steps;
    request.options.validate(m.schedule.numTimesteps());
    JobMeter meter(this, JobKind::kInvert,
                   ddim::reconstructionCalls(request.options, m.schedule.numTimesteps(),
                                             /*reconstruct=*/true));
    QImage latentImage;
    const QString origin = tr("inverted %1, %2 steps").arg(name).arg(steps);
    const ddim::Reconstruction r = ddim::invertAndReconstruct(
        m, x0, request.options, /*reconstruct=*/true, meter.control(&cancel_),
        [&](const at::Tensor& z) {
          s.latent(request.target) = z;
          latentImage = toQImage(ddim::visualiseLatent(z));
          Q_EMIT latentChanged(LatentInfo{request.target, latentImage, origin});
        });
    InvertResult result;
    result.target = request.target;
    result.latentOrigin = origin;
    result.latent = latentImage;
    result.reconstruction = modelSpaceToQImage(r.image);
    result.mse = r.error.mse;
    result.psnr = r.error.psnr;
    result.steps = steps;
    result.seconds = meter.seconds();
    result.exact = request.options.method == ddim::InversionMethod::kExact;
    result.networkCalls = r.inversion.networkCalls;
    result.worstResidual = r.inversion.worstResidual;
    result.stepsNotConverged = r.inversion.stepsNotConverged;
    Q_EMIT inverted(result);
  });
}

void Worker::setLatent(const LatentRequest& request) {
  runJob(JobKind::kLatent, request.ticket, [&] {
    State& s = *state_;
    const std::string path = request.path.toStdString();
    if (request.source == LatentRequest::Source::kSave) {
      ddim::writeNpy(path, s.requireLatent(request.slot).to(at::kCPU));
      Q_EMIT latentSaved(request.slot, request.path);
      return;
    }
    const auto& m = s.requireModel();
    at::Tensor z;
    QString origin;
    if (request.source == LatentRequest::Source::kSeed) {
      z = ddim::seededNoise(ddim::latentShape(m), request.seed, m.device);
      origin = tr("seed %1").arg(request.seed);
    } else {
      z = ddim::readLatentFor(m, path, ddim::LatentCount::kOne);
      origin = QFileInfo(request.path).fileName();
    }
    s.latent(request.slot) = z;
    Q_EMIT latentChanged(LatentInfo{request.slot, toQImage(ddim::visualiseLatent(z)), origin,
                                    request.source == LatentRequest::Source::kSeed});
  });
}

void Worker::sample(const SampleRequest& request) {
  runJob(JobKind::kSample, request.ticket, [&] {
    State& s = *state_;
    const auto& m = s.requireModel();
    const ddim::SampleOptions& o = request.options;
    o.validate(m.schedule.numTimesteps());
    const at::Tensor z = s.sourceLatent(request.source, request.alpha, request.mode);
    JobMeter meter(this, JobKind::kSample, ddim::countNetworkCalls(o, m.schedule.numTimesteps()));
    const at::Tensor x =
        ddim::sample(m.sampling(request.guidance), m.schedule, z, o, meter.control(&cancel_));
    Q_EMIT sampled(SampleResult{modelSpaceToQImage(x), o.steps, meter.seconds(), {}});
  });
}

void Worker::compare(const CompareRequest& request) {
  runJob(JobKind::kCompare, request.ticket, [&] {
    State& s = *state_;
    const auto& m = s.requireModel();
    const std::vector<int> counts(request.stepCounts.begin(), request.stepCounts.end());
    JobMeter meter(this, JobKind::kCompare,
                   ddim::compareCalls(counts, request.options, m.schedule.numTimesteps()));
    const at::Tensor z = s.sourceLatent(request.source, request.alpha, request.mode);
    QVector<CompareItem> items;
    const std::vector<ddim::CompareEntry> entries = ddim::compareSteps(
        m.sampling(request.guidance), m.schedule, z, request.options, counts,
        meter.control(&cancel_), [&](const ddim::CompareEntry& e) {
          items.push_back(CompareItem{e.steps, modelSpaceToQImage(e.image), e.seconds});
          Q_EMIT compareItem(items.back());
        });
    for (size_t i = 0; i < entries.size(); ++i) {
      items[static_cast<int>(i)].rmse = std::sqrt(entries[i].toReference.mse);
      items[static_cast<int>(i)].psnr = entries[i].toReference.psnr;
    }
    Q_EMIT compared(items);
  });
}

void Worker::filmstrip(const FilmstripRequest& request) {
  runJob(JobKind::kFilmstrip, request.ticket, [&] {
    State& s = *state_;
    const auto& m = s.requireModel();
    if (request.frames < 2) throw ddim::Error("a filmstrip needs at least 2 frames");
    const ddim::SampleOptions& o = request.params.options;
    o.validate(m.schedule.numTimesteps());
    if (!request.alphas.isEmpty() && request.alphas.size() != request.frames) {
      throw ddim::Error("a filmstrip needs one position on the path for each frame");
    }
    const at::Tensor a = s.requireLatent(LatentSlot::kA);
    const at::Tensor b = s.requireLatent(LatentSlot::kB);
    at::Tensor z;
    if (request.alphas.isEmpty()) {
      z = ddim::interpolateFrames(a, b, request.frames, request.params.mode);
    } else {  // re-spaced positions (even spacing)
      std::vector<at::Tensor> latents;
      for (double alpha : request.alphas) {
        latents.push_back(ddim::interpolate(a, b, alpha, request.params.mode));
      }
      z = at::cat(latents, 0);
    }
    JobMeter meter(this, JobKind::kFilmstrip,
                   ddim::countNetworkCalls(o, m.schedule.numTimesteps()));
    const at::Tensor x = ddim::sample(m.denoiser, m.schedule, z, o, meter.control(&cancel_));
    FilmstripResult result;
    result.path = request.path;
    for (int64_t i = 0; i < x.size(0); ++i) result.frames.push_back(modelSpaceToQImage(x[i]));
    Q_EMIT filmstripReady(result);
  });
}

void Worker::edit(const EditRequest& request) {
  runJob(JobKind::kEdit, request.ticket, [&] {
    const auto& m = state_->requireModel();
    const ddim::EditOptions& o = request.options;
    const int T = m.schedule.numTimesteps();
    o.validate(T);
    JobMeter meter(this, JobKind::kEdit, ddim::countEditSteps(o, T));
    ddim::EditReport report;
    EditResult result;
    const at::Tensor x = runEdit(m, request, o, meter.control(&cancel_), &report, &result.masked);
    for (int64_t i = 0; i < x.size(0); ++i) result.images.push_back(modelSpaceToQImage(x[i]));
    result.input = request.image;
    result.strength = o.strength;
    result.seed = o.seed;
    result.startTimestep = static_cast<int>(report.startTimestep);
    result.networkCalls = report.networkCalls;
    result.seconds = meter.seconds();
    Q_EMIT edited(result);
  });
}

void Worker::processEditPreview() {
  EditRequest r;
  {
    QMutexLocker lock(&previewMutex_);
    r = pendingPreview_;
    previewQueued_ = false;
    previewAbort_.store(false);
  }
  if (stopping_.load() || issued_.load() > begun_.load()) return;  // a job waits: it goes first
  QElapsedTimer timer;
  timer.start();
  try {
    c10::InferenceMode guard;
    const auto& m = state_->requireModel();
    r.options.validate(m.schedule.numTimesteps());
    ddim::RunControl control;
    control.cancel = &previewAbort_;
    const at::Tensor x = runEdit(m, r, r.options, control, nullptr);
    Q_EMIT editPreview(EditPreview{r.ticket, modelSpaceToQImage(x), r.options.strength,
                                   timer.nsecsElapsed() / 1e6});
  } catch (const ddim::Cancelled&) {
  } catch (...) {
    Q_EMIT editPreviewFailed(describeCurrentException());
  }
}

void Worker::processSlider() {
  SliderRequest r;
  {
    QMutexLocker lock(&sliderMutex_);
    r = pendingSlider_;
    sliderQueued_ = false;
  }
  if (stopping_.load()) return;
  QElapsedTimer timer;
  timer.start();
  try {
    c10::InferenceMode guard;
    State& s = *state_;
    const auto& m = s.requireModel();
    const at::Tensor z = ddim::interpolate(s.requireLatent(LatentSlot::kA),
                                           s.requireLatent(LatentSlot::kB), r.alpha, r.params.mode);
    ddim::RunControl control;
    control.cancel = &stopping_;
    const at::Tensor x = ddim::sample(m.denoiser, m.schedule, z, r.params.options, control);
    Q_EMIT sliderFrame(
        SliderFrame{r.generation, r.alpha, modelSpaceToQImage(x), timer.nsecsElapsed() / 1e6});
  } catch (const ddim::Cancelled&) {
  } catch (...) {
    Q_EMIT sliderFailed(describeCurrentException());
  }
}

void Worker::preparePath(const PathRequest& request) {
  State& s = *state_;
  s.path.clear();
  if (request.generation != pathGeneration_.load() || !s.model) return;
  const at::Tensor& a = s.latent(LatentSlot::kA);
  const at::Tensor& b = s.latent(LatentSlot::kB);
  if (!a.defined() || !b.defined()) return;
  s.path.start(request.generation, a, b, request.frames, request.params.mode,
               request.params.options);
  QMetaObject::invokeMethod(this, &Worker::continuePath, Qt::QueuedConnection);
}

void Worker::continuePath() {
  State& s = *state_;
  if (!s.path.active() || stopping_.load()) return;
  if (s.path.generation() != pathGeneration_.load() || !s.model) {
    s.path.clear();
    return;
  }
  bool sliderWaiting = false;
  {
    QMutexLocker lock(&sliderMutex_);
    sliderWaiting = sliderQueued_;
  }
  {
    QMutexLocker lock(&previewMutex_);
    sliderWaiting = sliderWaiting || previewQueued_;
  }
  if (sliderWaiting || issued_.load() > begun_.load()) {  // let them go first
    QMetaObject::invokeMethod(this, &Worker::continuePath, Qt::QueuedConnection);
    return;
  }
  pathAbort_.store(false);
  try {
    c10::InferenceMode guard;
    const PathCache::Batch batch = s.path.next();
    ddim::RunControl control;
    control.cancel = &pathAbort_;
    const at::Tensor x = ddim::sample(s.model->denoiser, s.model->schedule, batch.latents,
                                      s.path.options(), control);
    for (size_t i = 0; i < batch.alphas.size(); ++i) {
      Q_EMIT pathFrame(PathFrame{batch.generation, batch.alphas[i],
                                 modelSpaceToQImage(x[static_cast<int64_t>(i)])});
    }
    s.path.markDone(batch, x);
    const PathCache::Completed path = s.path.takeCompletedPath();
    if (!path.empty()) {
      const std::vector<double> distances = ddim::frameDistances(path.images);
      Q_EMIT pathSpacing(PathSpacing{batch.generation,
                                     QVector<double>(path.alphas.begin(), path.alphas.end()),
                                     QVector<double>(distances.begin(), distances.end())});
    }
  } catch (const ddim::Cancelled&) {
    QMetaObject::invokeMethod(this, &Worker::continuePath, Qt::QueuedConnection);  // redo later
    return;
  } catch (...) {
    s.path.clear();
    Q_EMIT sliderFailed(describeCurrentException());
    return;
  }
  if (s.path.active()) QMetaObject::invokeMethod(this, &Worker::continuePath, Qt::QueuedConnection);
}
