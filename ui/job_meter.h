#pragma once

#include <QElapsedTimer>
#include <atomic>

#include "run_control.h"
#include "worker_types.h"

class Worker;

/// Progress and predicted-x0 previews of one job made of one or more core calls: turns each
/// call's per-step callback into the worker's progress(step of total) and, for long jobs, a
/// preview every few steps. Runs on the worker thread.
class JobMeter {
 public:
  JobMeter(Worker* worker, JobKind kind, int total);

  /// The control for the next core call: `cancel` is checked before every network call.
  [[nodiscard]] ddim::RunControl control(const std::atomic<bool>* cancel);
  /// The next core call's steps start after `calls` more.
  void advance(int calls) { offset_ += calls; }
  [[nodiscard]] double seconds() const { return timer_.nsecsElapsed() / 1e9; }

 private:
  Worker* worker_;
  JobKind kind_;
  int total_;
  int offset_ = 0;
  int previewEvery_;
  QElapsedTimer timer_;
};
