#pragma once

#include <QElapsedTimer>
#include <atomic>

#include "diffusion/run_control.h"
#include "worker_types.h"

class Worker;

/// Progress and predicted-x0 previews of one job: turns core's per-step callback into the
/// worker's progress(step of total) and, for long jobs, a preview every few steps. A job of
/// several core calls is one core task (tasks/), whose steps already count over all of them.
/// Runs on the worker thread.
class JobMeter {
 public:
  JobMeter(Worker* worker, JobKind kind, int total);

  /// The control for the job's core call: `cancel` is checked before every network call.
  [[nodiscard]] ddim::RunControl control(const std::atomic<bool>* cancel);
  [[nodiscard]] double seconds() const { return timer_.nsecsElapsed() / 1e9; }

 private:
  Worker* worker_;
  JobKind kind_;
  int total_;
  int previewEvery_;
  QElapsedTimer timer_;
};
