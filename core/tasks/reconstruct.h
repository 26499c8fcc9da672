#pragma once

#include <ATen/core/Tensor.h>

#include <functional>

#include "diffusion/inversion.h"
#include "diffusion/run_control.h"
#include "io/image_io.h"

namespace ddim {

struct LoadedModel;

/// An image inverted into its latent and, when asked, sampled back from it.
struct Reconstruction {
  at::Tensor latent;  // [B, C, H, W], model space
  at::Tensor image;   // [B, C, H, W], model space, unclamped; undefined without reconstruction
  ImageError error;   // image against the input, in [0, 1] pixels; zero without reconstruction
  InversionReport inversion;  // network calls and, for exact inversion, the residuals
};

/// Progress steps of invertAndReconstruct with these options (both halves when `reconstruct`):
/// the network calls for plain inversion; exact inversion makes more calls in as many steps.
[[nodiscard]] int reconstructionCalls(const InvertOptions& options, int numTimesteps,
                                      bool reconstruct);

/// Inverts x0 ([B, C, H, W], model space, on the denoiser's device), then, when `reconstruct`,
/// samples the latent back with plain DDIM (eta 0) over the same step sequence, and measures the
/// result against x0. `control.onStep` counts over both halves (1..reconstructionCalls);
/// `onLatent` is called with the latent between them.
[[nodiscard]] Reconstruction invertAndReconstruct(
    const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& x0,
    const InvertOptions& options, bool reconstruct, const RunControl& control = {},
    const std::function<void(const at::Tensor& latent)>& onLatent = {});

/// The same with a loaded model's network alone (no guidance, so that the latent decodes to the
/// image).
[[nodiscard]] Reconstruction invertAndReconstruct(
    const LoadedModel& model, const at::Tensor& x0, const InvertOptions& options, bool reconstruct,
    const RunControl& control = {},
    const std::function<void(const at::Tensor& latent)>& onLatent = {});

}  // namespace ddim
