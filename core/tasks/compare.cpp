#include "tasks/compare.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "errors.h"

namespace ddim {

std::vector<int> compareStepList(std::vector<int> counts) {
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  if (counts.empty()) throw Error("no step counts to compare");
  if (counts.front() < 1)
    throw Error("step counts must be >= 1, got " + std::to_string(counts.front()));
  return counts;
}

int compareCalls(const std::vector<int>& counts, const SampleOptions& base, int numTimesteps) {
  int total = 0;
  for (int steps : compareStepList(counts)) {
    SampleOptions o = base;
    o.steps = steps;
    o.validate(numTimesteps);
    total += countNetworkCalls(o, numTimesteps);
  }
  return total;
}

std::vector<CompareEntry> compareSteps(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                       const at::Tensor& z, const SampleOptions& base,
                                       const std::vector<int>& counts, const RunControl& control,
                                       const std::function<void(const CompareEntry&)>& onEntry) {
  const int T = schedule.numTimesteps();
  const std::vector<int> list = compareStepList(counts);
  const int total = compareCalls(list, base, T);
  if (z.dim() != 4 || z.size(0) != 1)
    throw Error("compare: needs one latent [1, C, H, W], got " + c10::str(z.sizes()));
  std::vector<CompareEntry> entries;
  int done = 0;
  for (int steps : list) {
    SampleOptions o = base;
    o.steps = steps;
    const auto start = std::chrono::steady_clock::now();
    CompareEntry e;
    e.steps = steps;
    e.image = sample(denoiser, schedule, z, o, control.part(done, total)).to(at::kCPU);
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done += countNetworkCalls(o, T);
    if (onEntry) onEntry(e);
    entries.push_back(std::move(e));
  }
  CompareEntry& reference = entries.back();
  reference.isReference = true;
  for (CompareEntry& e : entries) e.toReference = imageError(e.image, reference.image);
  return entries;
}

}  // namespace ddim
