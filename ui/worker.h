#pragma once

#include <QMutex>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>

#include "worker_types.h"

/// Owns the loaded model and runs every diffusion job on its own thread (mandelbrot's render
/// thread, as a worker object). Jobs arrive through queued slots; results leave as Qt types that
/// were deep-copied on this thread. Every job ends with exactly one of finished, failed or
/// cancelled. The slider and the background path cache are not jobs: they never show progress
/// and give way to jobs.
class Worker : public QObject {
  Q_OBJECT

 public:
  explicit Worker(QObject* parent = nullptr);
  ~Worker() override;

  // Thread-safe: called from the window's thread while this object lives on the worker thread.

  /// A ticket for the next job. cancel() cancels every job whose ticket was issued before it.
  [[nodiscard]] quint64 issueTicket();
  /// Stops the running job before its next network call, and every job already issued.
  void cancel();
  /// Cancels everything for good (window closing).
  void stop();
  /// Latest wins: replaces any pending slider request; at most one wake-up is ever queued, so
  /// dragging never builds a backlog. Returns the request's generation.
  quint64 requestSlider(SliderRequest request);
  /// A new generation for the background path cache; the old one stops at its next network call.
  [[nodiscard]] quint64 newPathGeneration();
  /// Latest wins, as requestSlider: one result of `request` (count 1) for the Edit tab's strength
  /// slider. A newer preview or any job stops the running one at its next network call. Returns
  /// the preview's generation.
  quint64 requestEditPreview(EditRequest request);

 public Q_SLOTS:
  /// Chooses the device ("auto", "cpu", "cuda", "cuda:N") and the CPU thread count (<= 0: all
  /// cores).
  void initialise(const QString& device, int threads);
  void loadModel(const ModelRequest& request);
  void loadImage(const ImageRequest& request);
  void invert(const InvertRequest& request);
  void setLatent(const LatentRequest& request);
  void sample(const SampleRequest& request);
  void compare(const CompareRequest& request);
  void filmstrip(const FilmstripRequest& request);
  /// The Edit tab's Apply: options.count results of a strength edit or masked regeneration.
  void edit(const EditRequest& request);
  /// Starts filling the slider cache with frames along the A-B path, coarse to fine, a few
  /// frames at a time (PathCache), between jobs and slider requests.
  void preparePath(const PathRequest& request);

 Q_SIGNALS:
  void deviceChosen(const QString& description);
  /// The requested device cannot be used; the CPU is used instead.
  void deviceWarning(const QString& reason);
  void started(JobKind kind);
  void progress(const JobProgress& progress);
  void preview(const QImage& predictedX0);
  void finished(JobKind kind);
  void failed(JobKind kind, const QString& reason);
  void cancelled(JobKind kind);

  void modelLoaded(const ModelInfo& info);
  void imageLoaded(const ImageInfo& info);
  void inverted(const InvertResult& result);
  void latentChanged(const LatentInfo& info);
  void latentSaved(LatentSlot slot, const QString& path);
  void sampled(const SampleResult& result);
  void compareItem(const CompareItem& item);
  void compared(const QVector<CompareItem>& items);
  void filmstripReady(const FilmstripResult& result);
  void pathFrame(const PathFrame& frame);
  /// After the last frame of a path generation: the distances between its frames.
  void pathSpacing(const PathSpacing& spacing);
  void sliderFrame(const SliderFrame& frame);
  void sliderFailed(const QString& reason);
  void edited(const EditResult& result);
  void editPreview(const EditPreview& preview);
  void editPreviewFailed(const QString& reason);

 private:
  struct State;

  void runJob(JobKind kind, quint64 ticket, const std::function<void()>& body);
  [[nodiscard]] bool beginJob(quint64 ticket);
  void processSlider();
  void processEditPreview();
  /// Renders the path cache's next batch unless a job or a slider request waits, then queues
  /// itself again while frames remain.
  void continuePath();

  std::unique_ptr<State> state_;

  QMutex cancelMutex_;
  std::atomic<quint64> issued_{0};
  std::atomic<quint64> begun_{0};  // highest ticket a job has started with
  quint64 cancelledThrough_ = 0;   // guarded by cancelMutex_
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stopping_{false};

  QMutex sliderMutex_;
  SliderRequest pendingSlider_;   // guarded by sliderMutex_
  bool sliderQueued_ = false;     // guarded by sliderMutex_
  quint64 sliderGeneration_ = 0;  // guarded by sliderMutex_

  QMutex previewMutex_;
  EditRequest pendingPreview_;     // guarded by previewMutex_
  bool previewQueued_ = false;     // guarded by previewMutex_
  quint64 previewGeneration_ = 0;  // guarded by previewMutex_
  std::atomic<bool> previewAbort_{false};

  std::atomic<quint64> pathGeneration_{0};
  std::atomic<bool> pathAbort_{false};
};
