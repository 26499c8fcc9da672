#pragma once

#include <QObject>

#include "worker.h"

/// Re-emits the worker's signals on the test's thread, so QSignalSpy records them there
/// (a spy on the worker itself would be appended to from the worker thread).
class WorkerRelay : public QObject {
  Q_OBJECT

 public:
  explicit WorkerRelay(Worker* worker) {
    connect(worker, &Worker::finished, this, &WorkerRelay::finished);
    connect(worker, &Worker::failed, this, &WorkerRelay::failed);
    connect(worker, &Worker::cancelled, this, &WorkerRelay::cancelled);
    connect(worker, &Worker::progress, this, &WorkerRelay::progress);
    connect(worker, &Worker::modelLoaded, this, &WorkerRelay::modelLoaded);
    connect(worker, &Worker::imageLoaded, this, &WorkerRelay::imageLoaded);
    connect(worker, &Worker::inverted, this, &WorkerRelay::inverted);
    connect(worker, &Worker::latentChanged, this, &WorkerRelay::latentChanged);
    connect(worker, &Worker::sampled, this, &WorkerRelay::sampled);
    connect(worker, &Worker::compareItem, this, &WorkerRelay::compareItem);
    connect(worker, &Worker::compared, this, &WorkerRelay::compared);
    connect(worker, &Worker::filmstripReady, this, &WorkerRelay::filmstripReady);
    connect(worker, &Worker::pathFrame, this, &WorkerRelay::pathFrame);
    connect(worker, &Worker::pathSpacing, this, &WorkerRelay::pathSpacing);
    connect(worker, &Worker::sliderFrame, this, &WorkerRelay::sliderFrame);
  }

 Q_SIGNALS:
  void finished(JobKind kind);
  void failed(JobKind kind, const QString& reason);
  void cancelled(JobKind kind);
  void progress(const JobProgress& progress);
  void modelLoaded(const ModelInfo& info);
  void imageLoaded(const ImageInfo& info);
  void inverted(const InvertResult& result);
  void latentChanged(const LatentInfo& info);
  void sampled(const SampleResult& result);
  void compareItem(const CompareItem& item);
  void compared(const QVector<CompareItem>& items);
  void filmstripReady(const FilmstripResult& result);
  void pathFrame(const PathFrame& frame);
  void pathSpacing(const PathSpacing& spacing);
  void sliderFrame(const SliderFrame& frame);
};
