#pragma once

#include <QObject>
#include <QThread>

#include "worker_types.h"

class Worker;

/// The window's side of the worker: starts the thread, hands jobs to the worker through queued
/// signals with a ticket each, tracks whether a job is outstanding, and shuts down cleanly
/// (set the token, quit(), wait()).
class WorkerHost : public QObject {
  Q_OBJECT

 public:
  WorkerHost(const QString& device, int threads, QObject* parent = nullptr);
  ~WorkerHost() override;

  /// The worker, for connecting to its result signals (queued: it lives on another thread).
  [[nodiscard]] Worker* worker() const { return worker_; }
  [[nodiscard]] bool busy() const { return outstanding_ > 0; }

  void loadModel(ModelRequest request);
  void loadImage(ImageRequest request);
  void invert(InvertRequest request);
  void setLatent(LatentRequest request);
  void sample(SampleRequest request);
  void compare(CompareRequest request);
  void filmstrip(FilmstripRequest request);
  void edit(EditRequest request);
  /// Latest wins (see Worker::requestEditPreview).
  quint64 requestEditPreview(const EditRequest& request);
  /// Background cache of frames along the A-B path; replaces the previous one.
  quint64 preparePath(PathRequest request);
  /// Latest wins (see Worker::requestSlider).
  quint64 requestSlider(const SliderRequest& request);
  /// Cancels the running job and every job already sent.
  void cancel();
  /// Cancels everything, stops the thread and waits for it. Safe to call twice.
  void shutdown();

 Q_SIGNALS:
  void busyChanged(bool busy);
  /// A job of `kind` was handed to the worker (before its request signal): the worker ends each
  /// one exactly once, with finished, failed or cancelled.
  void jobSent(JobKind kind);

  // Connected to the worker's slots; queued because the worker lives on its thread.
  void loadModelRequested(const ModelRequest& request);
  void loadImageRequested(const ImageRequest& request);
  void invertRequested(const InvertRequest& request);
  void latentRequested(const LatentRequest& request);
  void sampleRequested(const SampleRequest& request);
  void compareRequested(const CompareRequest& request);
  void filmstripRequested(const FilmstripRequest& request);
  void editRequested(const EditRequest& request);
  void pathRequested(const PathRequest& request);

 private:
  void jobIssued(JobKind kind);
  void jobEnded();

  QThread thread_;
  Worker* worker_ = nullptr;
  int outstanding_ = 0;
};
