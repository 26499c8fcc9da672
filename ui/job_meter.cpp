#include "job_meter.h"

#include <algorithm>

#include "qt_tensor.h"
#include "worker.h"

namespace {
constexpr int kPreviewMinSteps = 20;  // shorter jobs end before a preview would help
constexpr int kPreviewsPerJob = 25;
}  // namespace

JobMeter::JobMeter(Worker* worker, JobKind kind, int total)
    : worker_(worker),
      kind_(kind),
      total_(total),
      previewEvery_(std::max(2, total / kPreviewsPerJob)) {
  timer_.start();
}

ddim::RunControl JobMeter::control(const std::atomic<bool>* cancel) {
  ddim::RunControl c;
  c.cancel = cancel;
  c.onStep = [this](int done, int /*total*/, const at::Tensor& x0) {
    Q_EMIT worker_->progress(JobProgress{kind_, done, total_, timer_.nsecsElapsed() / 1e9});
    if (total_ >= kPreviewMinSteps && done % previewEvery_ == 0 && done < total_) {
      Q_EMIT worker_->preview(modelSpaceToQImage(x0));
    }
  };
  return c;
}
