#include "worker_host.h"

#include "worker.h"

WorkerHost::WorkerHost(const QString& device, int threads, QObject* parent)
    : QObject(parent), worker_(new Worker) {
  thread_.setObjectName(QStringLiteral("ddim-worker"));
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);

  connect(this, &WorkerHost::loadModelRequested, worker_, &Worker::loadModel);
  connect(this, &WorkerHost::loadImageRequested, worker_, &Worker::loadImage);
  connect(this, &WorkerHost::invertRequested, worker_, &Worker::invert);
  connect(this, &WorkerHost::latentRequested, worker_, &Worker::setLatent);
  connect(this, &WorkerHost::sampleRequested, worker_, &Worker::sample);
  connect(this, &WorkerHost::compareRequested, worker_, &Worker::compare);
  connect(this, &WorkerHost::filmstripRequested, worker_, &Worker::filmstrip);
  connect(this, &WorkerHost::editRequested, worker_, &Worker::edit);
  connect(this, &WorkerHost::pathRequested, worker_, &Worker::preparePath);

  connect(worker_, &Worker::finished, this, &WorkerHost::jobEnded);
  connect(worker_, &Worker::failed, this, [this](JobKind, const QString&) { jobEnded(); });
  connect(worker_, &Worker::cancelled, this, &WorkerHost::jobEnded);

  thread_.start();
  QMetaObject::invokeMethod(
      worker_, [w = worker_, device, threads] { w->initialise(device, threads); },
      Qt::QueuedConnection);
}

WorkerHost::~WorkerHost() { shutdown(); }

void WorkerHost::shutdown() {
  if (!worker_) return;
  worker_->stop();
  thread_.quit();
  thread_.wait();  // the worker is deleted on its thread as it finishes (deleteLater)
  worker_ = nullptr;
}

void WorkerHost::jobIssued(JobKind kind) {
  Q_EMIT jobSent(kind);
  if (outstanding_++ == 0) Q_EMIT busyChanged(true);
}

void WorkerHost::jobEnded() {
  if (outstanding_ > 0 && --outstanding_ == 0) Q_EMIT busyChanged(false);
}

void WorkerHost::loadModel(ModelRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kLoadModel);
  Q_EMIT loadModelRequested(request);
}

void WorkerHost::loadImage(ImageRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kLoadImage);
  Q_EMIT loadImageRequested(request);
}

void WorkerHost::invert(InvertRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kInvert);
  Q_EMIT invertRequested(request);
}

void WorkerHost::setLatent(LatentRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kLatent);
  Q_EMIT latentRequested(request);
}

void WorkerHost::sample(SampleRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kSample);
  Q_EMIT sampleRequested(request);
}

void WorkerHost::compare(CompareRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kCompare);
  Q_EMIT compareRequested(request);
}

void WorkerHost::filmstrip(FilmstripRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kFilmstrip);
  Q_EMIT filmstripRequested(request);
}

void WorkerHost::edit(EditRequest request) {
  if (!worker_) return;
  request.ticket = worker_->issueTicket();
  jobIssued(JobKind::kEdit);
  Q_EMIT editRequested(request);
}

quint64 WorkerHost::requestEditPreview(const EditRequest& request) {
  return worker_ ? worker_->requestEditPreview(request) : 0;
}

quint64 WorkerHost::preparePath(PathRequest request) {
  if (!worker_) return 0;
  request.generation = worker_->newPathGeneration();
  Q_EMIT pathRequested(request);
  return request.generation;
}

quint64 WorkerHost::requestSlider(const SliderRequest& request) {
  return worker_ ? worker_->requestSlider(request) : 0;
}

void WorkerHost::cancel() {
  if (worker_) worker_->cancel();
}
