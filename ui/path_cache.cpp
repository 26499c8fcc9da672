#include "path_cache.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <utility>

std::vector<int> coarseToFine(int n) {
  std::vector<int> order;
  if (n <= 0) return order;
  std::vector<bool> seen(n, false);
  auto visit = [&](int i) {
    if (!seen[i]) {
      seen[i] = true;
      order.push_back(i);
    }
  };
  visit(0);
  visit(n - 1);
  std::vector<std::pair<int, int>> spans = {{0, n - 1}};
  while (!spans.empty()) {
    std::vector<std::pair<int, int>> halves;
    for (const auto& [lo, hi] : spans) {
      if (hi - lo < 2) continue;
      const int mid = (lo + hi) / 2;
      visit(mid);
      halves.emplace_back(lo, mid);
      halves.emplace_back(mid, hi);
    }
    spans = std::move(halves);
  }
  return order;
}

void PathCache::start(uint64_t generation, const at::Tensor& a, const at::Tensor& b, int frames,
                      ddim::InterpMode mode, const ddim::SampleOptions& options) {
  generation_ = generation;
  a_ = a;
  b_ = b;
  mode_ = mode;
  options_ = options;
  order_ = coarseToFine(frames);
  next_ = 0;
  images_.assign(order_.size(), at::Tensor());
}

void PathCache::clear() {
  a_ = at::Tensor();
  b_ = at::Tensor();
  order_.clear();
  next_ = 0;
  images_.clear();
}

PathCache::Batch PathCache::next() const {
  Batch batch;
  batch.generation = generation_;
  const size_t n = std::min<size_t>(kBatch, order_.size() - next_);
  if (n == 0) return batch;
  const int last = std::max(1, static_cast<int>(order_.size()) - 1);
  std::vector<at::Tensor> latents;
  for (size_t i = 0; i < n; ++i) {
    batch.indices.push_back(order_[next_ + i]);
    batch.alphas.push_back(static_cast<double>(order_[next_ + i]) / last);
    latents.push_back(ddim::interpolate(a_, b_, batch.alphas.back(), mode_));
  }
  batch.latents = at::cat(latents, 0);
  return batch;
}

void PathCache::markDone(const Batch& batch) {
  if (batch.generation != generation_ || !active()) return;
  next_ = std::min(order_.size(), next_ + batch.alphas.size());
  if (!active()) {  // complete: the latents are no longer needed
    a_ = at::Tensor();
    b_ = at::Tensor();
  }
}

void PathCache::markDone(const Batch& batch, const at::Tensor& images) {
  if (batch.generation != generation_ || !active()) return;
  for (size_t i = 0; i < batch.indices.size(); ++i) {
    const auto index = static_cast<size_t>(batch.indices[i]);
    if (index < images_.size()) images_[index] = images[static_cast<int64_t>(i)];
  }
  markDone(batch);
}

PathCache::Completed PathCache::takeCompletedPath() {
  Completed out;
  if (active() || images_.size() < 2) return out;
  for (const at::Tensor& image : images_) {
    if (!image.defined()) return out;
  }
  const int last = static_cast<int>(images_.size()) - 1;
  for (int i = 0; i <= last; ++i) out.alphas.push_back(static_cast<double>(i) / last);
  out.images = at::stack(images_);
  images_.clear();
  return out;
}
