// The worker's background path plan: coarse-to-fine order, batches, generations. No model: the
// latents are constants, so each frame's latent shows its alpha (lerp).
#include "path_cache.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace {

ddim::SampleOptions options(int steps) {
  ddim::SampleOptions o;
  o.steps = steps;
  return o;
}

at::Tensor constant(float value) { return at::full({1, 1, 2, 2}, value); }

/// The value of each latent in the batch (constant latents): [n].
std::vector<double> latentValues(const PathCache::Batch& batch) {
  std::vector<double> out;
  for (int64_t i = 0; i < batch.latents.size(0); ++i) {
    out.push_back(batch.latents[i].mean().item<double>());
  }
  return out;
}

TEST(CoarseToFine, BothEndsFirstThenTheMiddleThenTheQuarters) {
  EXPECT_EQ(coarseToFine(5), (std::vector<int>{0, 4, 2, 1, 3}));
  // 21 frames: the ends, the middle, the quarters, the eighths; then the rest.
  const std::vector<int> order = coarseToFine(21);
  EXPECT_EQ(std::vector<int>(order.begin(), order.begin() + 9),
            (std::vector<int>{0, 20, 10, 5, 15, 2, 7, 12, 17}));
  EXPECT_EQ(std::vector<int>(order.begin() + 9, order.begin() + 17),
            (std::vector<int>{1, 3, 6, 8, 11, 13, 16, 18}));
  EXPECT_TRUE(coarseToFine(0).empty());
  EXPECT_EQ(coarseToFine(1), (std::vector<int>{0}));
  EXPECT_EQ(coarseToFine(2), (std::vector<int>{0, 1}));
}

TEST(CoarseToFine, VisitsEveryIndexOnceAndHalvesTheLargestGapEachLevel) {
  for (int n = 1; n <= 101; ++n) {
    const std::vector<int> order = coarseToFine(n);
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> all(n);
    for (int i = 0; i < n; ++i) all[i] = i;
    ASSERT_EQ(sorted, all) << "n = " << n;
    ASSERT_EQ(order[0], 0);
    if (n > 1) {
      ASSERT_EQ(order[1], n - 1);
    }
    if (n > 2) {
      ASSERT_EQ(order[2], (n - 1) / 2);
    }
    // After the first 2^k + 1 frames no gap along the path exceeds ceil((n - 1) / 2^k).
    for (int k = 0; (1 << k) + 1 <= n; ++k) {
      std::vector<int> prefix(order.begin(), order.begin() + (1 << k) + 1);
      std::sort(prefix.begin(), prefix.end());
      int gap = 0;
      for (size_t i = 1; i < prefix.size(); ++i) gap = std::max(gap, prefix[i] - prefix[i - 1]);
      const int bound = (n - 1 + (1 << k) - 1) >> k;
      EXPECT_LE(gap, bound) << "n = " << n << ", k = " << k;
    }
  }
}

TEST(PathCache, HandsOutBatchesCoarseToFineUntilDone) {
  PathCache cache;
  EXPECT_FALSE(cache.active());
  EXPECT_TRUE(cache.next().empty());
  cache.start(/*generation=*/7, constant(0), constant(1), /*frames=*/5, ddim::InterpMode::kLerp,
              options(3));
  EXPECT_TRUE(cache.active());
  EXPECT_EQ(cache.options().steps, 3);

  const PathCache::Batch first = cache.next();
  EXPECT_EQ(first.generation, 7u);
  ASSERT_EQ(first.alphas, (std::vector<double>{0.0, 1.0, 0.5, 0.25}));
  ASSERT_EQ(first.latents.sizes(), (at::IntArrayRef{4, 1, 2, 2}));
  EXPECT_EQ(latentValues(first), first.alphas);  // lerp of 0 and 1 is alpha

  // Not done yet (the worker was interrupted): the same batch again.
  EXPECT_EQ(cache.next().alphas, first.alphas);
  cache.markDone(first);
  EXPECT_EQ(cache.done(), 4u);
  const PathCache::Batch second = cache.next();
  EXPECT_EQ(second.alphas, (std::vector<double>{0.75}));
  cache.markDone(second);
  EXPECT_FALSE(cache.active());
  EXPECT_EQ(cache.done(), cache.frames());
  EXPECT_TRUE(cache.next().empty());
}

TEST(PathCache, BatchesHoldAtMostKBatchFramesAndCoverEveryFrameOnce) {
  PathCache cache;
  cache.start(1, constant(0), constant(1), /*frames=*/21, ddim::InterpMode::kLerp, options(2));
  std::vector<double> seen;
  int batches = 0;
  while (cache.active()) {
    const PathCache::Batch batch = cache.next();
    ASSERT_FALSE(batch.empty());
    ASSERT_LE(static_cast<int>(batch.alphas.size()), PathCache::kBatch);
    seen.insert(seen.end(), batch.alphas.begin(), batch.alphas.end());
    cache.markDone(batch);
    ++batches;
  }
  EXPECT_EQ(batches, (21 + PathCache::kBatch - 1) / PathCache::kBatch);
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_DOUBLE_EQ(seen[i], i / 20.0);
}

TEST(PathCache, ANewGenerationDropsTheOldOne) {
  PathCache cache;
  cache.start(1, constant(0), constant(1), /*frames=*/9, ddim::InterpMode::kLerp, options(4));
  const PathCache::Batch old = cache.next();

  cache.start(2, constant(0), constant(2), /*frames=*/3, ddim::InterpMode::kLerp, options(6));
  cache.markDone(old);  // finished after the restart: belongs to generation 1, changes nothing
  EXPECT_EQ(cache.done(), 0u);
  const PathCache::Batch fresh = cache.next();
  EXPECT_EQ(fresh.generation, 2u);
  EXPECT_EQ(fresh.alphas, (std::vector<double>{0.0, 1.0, 0.5}));
  EXPECT_EQ(latentValues(fresh), (std::vector<double>{0.0, 2.0, 1.0}));  // the new latents
  EXPECT_EQ(cache.options().steps, 6);
  cache.markDone(fresh);
  EXPECT_FALSE(cache.active());

  cache.start(3, constant(0), constant(1), /*frames=*/4, ddim::InterpMode::kLerp, options(4));
  cache.clear();
  EXPECT_FALSE(cache.active());
  EXPECT_TRUE(cache.next().empty());
}

}  // namespace
