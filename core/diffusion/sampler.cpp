#include "diffusion/sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "errors.h"

namespace ddim {

void SampleOptions::validate(int numTimesteps) const {
  if (steps <= 0 || steps > numTimesteps)
    throw Error("steps must be in 1.." + std::to_string(numTimesteps) + ", got " +
                std::to_string(steps));
  if (!(eta >= 0.0 && eta <= 1.0)) throw Error("eta must be in [0, 1], got " + std::to_string(eta));
}

int countNetworkCalls(const SampleOptions& options, int numTimesteps) {
  return static_cast<int>(makeTimesteps(options.skip, options.steps, numTimesteps).size());
}

at::Tensor sample(const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& xT,
                  const SampleOptions& options, const RunControl& control) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  if (xT.dim() != 4)
    throw Error("sample: noise must be [B, C, H, W], got " + std::to_string(xT.dim()) + " dims");
  const std::vector<int64_t> seq = makeTimesteps(options.skip, options.steps, T);
  const int n = static_cast<int>(seq.size());
  const bool sigmaHat = options.kind == SamplerKind::kSigmaHat;
  const bool noisy = sigmaHat || options.eta > 0;
  auto gen = at::detail::createCPUGenerator(options.noiseSeed);
  const auto batch = xT.size(0);

  at::Tensor x = xT.is_floating_point() ? xT : xT.to(at::kFloat);
  for (int k = n - 1; k >= 0; --k) {
    const int64_t t = seq[k];
    const int64_t tPrev = k > 0 ? seq[k - 1] : -1;
    const double a = schedule.alphaBar(t), aPrev = schedule.alphaBar(tPrev);

    control.checkCancelled();
    const at::Tensor tt = at::full({batch}, static_cast<float>(t), x.options());
    EpsAndX0 p = toEpsAndX0(denoiser.net(x, tt), x, a, denoiser.prediction);

    at::Tensor noise;
    if (noisy && (!sigmaHat || tPrev != -1))
      noise = at::randn(x.sizes(), gen, at::TensorOptions().dtype(at::kFloat)).to(x.device());

    if (sigmaHat) {
      // Official ddpm_steps: x0 clamped, posterior mean, std sqrt(beta), no noise into t = -1.
      const double beta = 1.0 - a / aPrev;
      at::Tensor x0 = p.x0.clamp(-1, 1);
      at::Tensor mean =
          (std::sqrt(aPrev) * beta * x0 + std::sqrt(1.0 - beta) * (1.0 - aPrev) * x) / (1.0 - a);
      x = noise.defined() ? mean + std::sqrt(beta) * noise : mean;
      p.x0 = x0;
    } else {
      if (options.clipX0) {
        p.x0 = p.x0.clamp(-1, 1);
        p.eps = (x - std::sqrt(a) * p.x0) / std::sqrt(1.0 - a);
      }
      // DDIM Eq. 16 (sigma) and Eq. 12 (update).
      const double sigma =
          options.eta * std::sqrt((1.0 - aPrev) / (1.0 - a)) * std::sqrt(1.0 - a / aPrev);
      const double dirCoef = std::sqrt(std::max(0.0, 1.0 - aPrev - sigma * sigma));
      x = std::sqrt(aPrev) * p.x0 + dirCoef * p.eps;
      if (sigma > 0) x = x + sigma * noise;
    }
    if (control.onStep) control.onStep(n - k, n, p.x0);
  }
  return x;
}

}  // namespace ddim
