#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "diffusion/interpolation.h"
#include "diffusion/sampler.h"

/// Indices 0..n-1 coarse to fine: both ends, the middle, then the quarters, and so on, so that a
/// partly filled cache already covers the whole path. Every index appears exactly once.
[[nodiscard]] std::vector<int> coarseToFine(int n);

/// The worker's background plan of frames along the A-B path: which frames come next, coarse to
/// fine, a few at a time, for one generation at a time. It keeps the two latents it interpolates
/// (on the worker thread, like every tensor); the worker samples each batch and reports it done.
class PathCache {
 public:
  /// Frames a batch holds at most: small, so that a slider request or a job gets in quickly.
  static constexpr int kBatch = 4;

  /// The next frames to render: their positions on the path and their latents.
  struct Batch {
    uint64_t generation = 0;
    std::vector<double> alphas;  // in [0, 1]
    std::vector<int> indices;    // each frame's place on the path, 0..frames()-1
    at::Tensor latents;          // [n, C, H, W], the latent at each alpha; undefined when empty
    [[nodiscard]] bool empty() const { return alphas.empty(); }
  };

  /// Plans `frames` frames (alpha = i / (frames - 1)) from a to b ([1, C, H, W] each) for
  /// `generation`, dropping whatever was planned before.
  void start(uint64_t generation, const at::Tensor& a, const at::Tensor& b, int frames,
             ddim::InterpMode mode, const ddim::SampleOptions& options);
  /// Drops the plan.
  void clear();

  /// Whether frames remain to be rendered.
  [[nodiscard]] bool active() const { return next_ < order_.size(); }
  [[nodiscard]] uint64_t generation() const { return generation_; }
  /// How each frame is sampled.
  [[nodiscard]] const ddim::SampleOptions& options() const { return options_; }
  /// Frames rendered so far, of frames().
  [[nodiscard]] size_t done() const { return next_; }
  [[nodiscard]] size_t frames() const { return order_.size(); }

  /// The next batch, coarse to fine (empty when nothing remains). Asking again before done()
  /// gives the same batch: a batch that was interrupted is simply asked for again.
  [[nodiscard]] Batch next() const;
  /// `batch` was rendered: the plan moves past it. A batch of another generation changes nothing.
  void markDone(const Batch& batch);
  /// `batch` was rendered as `images` ([n, C, H, W], model space) and the plan moves past it;
  /// the images are kept until the path is complete, for completedPath().
  void markDone(const Batch& batch, const at::Tensor& images);

  /// Once every frame was rendered with images: all of them in alpha order ([frames, C, H, W])
  /// with their alphas, handed over once (the plan keeps no images after); else empty.
  struct Completed {
    std::vector<double> alphas;
    at::Tensor images;
    [[nodiscard]] bool empty() const { return alphas.empty(); }
  };
  [[nodiscard]] Completed takeCompletedPath();

 private:
  uint64_t generation_ = 0;
  at::Tensor a_;
  at::Tensor b_;
  ddim::InterpMode mode_ = ddim::InterpMode::kSlerp;
  ddim::SampleOptions options_;
  std::vector<int> order_;
  size_t next_ = 0;
  std::vector<at::Tensor> images_;  // by index along the path: [C, H, W], undefined until rendered
};
