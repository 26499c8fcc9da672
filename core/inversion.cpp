#include "inversion.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "errors.h"

namespace ddim {

void InvertOptions::validate(int numTimesteps) const {
  if (steps <= 0 || steps > numTimesteps)
    throw Error("steps must be in 1.." + std::to_string(numTimesteps) + ", got " +
                std::to_string(steps));
}

at::Tensor invert(const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& x0,
                  const InvertOptions& options, const RunControl& control) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  if (x0.dim() != 4) throw Error("invert: image must be [B, C, H, W], got " + std::to_string(x0.dim()) + " dims");
  const std::vector<int64_t> seq = makeTimesteps(options.skip, options.steps, T);
  const int n = static_cast<int>(seq.size());
  const auto batch = x0.size(0);

  at::Tensor x = x0.is_floating_point() ? x0 : x0.to(at::kFloat);
  for (int k = 0; k < n; ++k) {
    const int64_t cur = k > 0 ? seq[k - 1] : -1;
    const int64_t next = seq[k];
    // The network is never evaluated at t = -1: the first Euler step uses the sequence's first t.
    const int64_t evalT =
        (options.form == InversionForm::kEuler && cur >= 0) ? cur : next;
    const double aCur = schedule.alphaBar(cur), aNext = schedule.alphaBar(next);

    control.checkCancelled();
    const at::Tensor tt = at::full({batch}, static_cast<float>(evalT), x.options());
    const at::Tensor eps =
        toEpsAndX0(denoiser.net(x, tt), x, schedule.alphaBar(evalT), denoiser.prediction).eps;
    // DDIM Eq. 13 run backwards (eta = 0, no clipping).
    const at::Tensor predX0 = (x - std::sqrt(1.0 - aCur) * eps) / std::sqrt(aCur);
    x = std::sqrt(aNext) * predX0 + std::sqrt(1.0 - aNext) * eps;
    if (control.onStep) control.onStep(k + 1, n, predX0);
  }
  return x;
}

}  // namespace ddim
