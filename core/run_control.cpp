#include "run_control.h"

#include "errors.h"

namespace ddim {

void RunControl::checkCancelled() const {
  if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace ddim
