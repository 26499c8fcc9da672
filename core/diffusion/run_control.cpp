#include "diffusion/run_control.h"

#include "errors.h"

namespace ddim {

void RunControl::checkCancelled() const {
  if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

RunControl RunControl::part(int offset, int total) const {
  RunControl out;
  out.cancel = cancel;
  if (onStep) {
    out.onStep = [outer = onStep, offset, total](int step, int, const at::Tensor& x0) {
      outer(offset + step, total, x0);
    };
  }
  return out;
}

}  // namespace ddim
