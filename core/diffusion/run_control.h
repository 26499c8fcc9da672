#pragma once

#include <ATen/core/Tensor.h>

#include <atomic>
#include <functional>

namespace ddim {

/// Called after every network evaluation: step in 1..total, and the current predicted x0
/// ([B, C, H, W], model space, unclamped).
using StepCallback = std::function<void(int step, int total, const at::Tensor& predictedX0)>;

/// Per-call progress and cancellation. The token is checked before every network call; when set,
/// the call throws ddim::Cancelled.
struct RunControl {
  const std::atomic<bool>* cancel = nullptr;
  StepCallback onStep;

  /// Throws ddim::Cancelled when the token is set.
  void checkCancelled() const;
  /// The control for one part of a longer job: the same token, and steps 1..n of the part
  /// reported as offset + 1..offset + n of `total`.
  [[nodiscard]] RunControl part(int offset, int total) const;
};

}  // namespace ddim
