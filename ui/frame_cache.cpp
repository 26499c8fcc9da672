#include "frame_cache.h"

#include <cmath>

std::optional<FrameCache::Entry> FrameCache::nearest(double alpha) const {
  if (frames_.empty()) return std::nullopt;
  auto above = frames_.lower_bound(alpha);
  if (above == frames_.end()) {
    --above;
    return Entry{above->first, above->second};
  }
  if (above != frames_.begin()) {
    auto below = std::prev(above);
    if (std::abs(alpha - below->first) <= std::abs(above->first - alpha)) {
      return Entry{below->first, below->second};
    }
  }
  return Entry{above->first, above->second};
}
