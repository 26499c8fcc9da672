#include "tasks/reconstruct.h"

#include <ATen/ATen.h>

#include "diffusion/sampler.h"
#include "model/model_loader.h"

namespace ddim {
namespace {

SampleOptions decodeOptions(const InvertOptions& options) {
  SampleOptions back;
  back.steps = options.steps;
  back.skip = options.skip;
  return back;
}

}  // namespace

int reconstructionCalls(const InvertOptions& options, int numTimesteps, bool reconstruct) {
  const int calls = countNetworkCalls(decodeOptions(options), numTimesteps);
  return reconstruct ? 2 * calls : calls;
}

Reconstruction invertAndReconstruct(const LoadedModel& model, const at::Tensor& x0,
                                    const InvertOptions& options, bool reconstruct,
                                    const RunControl& control,
                                    const std::function<void(const at::Tensor&)>& onLatent) {
  return invertAndReconstruct(model.fullPrecision(), model.schedule, x0, options, reconstruct,
                              control, onLatent);
}

Reconstruction invertAndReconstruct(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                    const at::Tensor& x0, const InvertOptions& options,
                                    bool reconstruct, const RunControl& control,
                                    const std::function<void(const at::Tensor&)>& onLatent) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  const int half = reconstructionCalls(options, T, /*reconstruct=*/false);
  const int total = reconstructionCalls(options, T, reconstruct);
  Reconstruction r;
  r.latent = invert(denoiser, schedule, x0, options, control.part(0, total), &r.inversion);
  if (onLatent) onLatent(r.latent);
  if (!reconstruct) return r;
  r.image = sample(denoiser, schedule, r.latent, decodeOptions(options), control.part(half, total));
  r.error = imageError(r.image, x0);
  return r;
}

}  // namespace ddim
