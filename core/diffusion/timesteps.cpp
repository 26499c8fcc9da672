#include "diffusion/timesteps.h"

#include <algorithm>
#include <cmath>

#include "diffusion/schedule.h"
#include "errors.h"

namespace ddim {

std::vector<int64_t> makeTimesteps(SkipType type, int steps, int T) {
  if (steps <= 0) throw Error("steps must be > 0, got " + std::to_string(steps));
  if (steps > T)
    throw Error("steps (" + std::to_string(steps) + ") must not exceed the model's " +
                std::to_string(T) + " timesteps");
  std::vector<int64_t> seq;
  switch (type) {
    case SkipType::kUniform: {  // range(0, T, T // S)
      const int skip = T / steps;
      for (int t = 0; t < T; t += skip) seq.push_back(t);
      break;
    }
    case SkipType::kQuad: {  // int(s) for s in linspace(0, sqrt(0.8 T), S) ** 2
      const double end = std::sqrt(0.8 * T);
      for (int i = 0; i < steps; ++i) {
        const double s = steps > 1 ? (i == steps - 1 ? end : i * (end / (steps - 1))) : 0.0;
        seq.push_back(static_cast<int64_t>(s * s));
      }
      break;
    }
    case SkipType::kLeading: {  // arange(S) * (T // S)
      for (int i = 0; i < steps; ++i) seq.push_back(static_cast<int64_t>(i) * (T / steps));
      break;
    }
    case SkipType::kTrailing: {  // round(arange(T, 0, -T / S)) - 1
      const double ratio = static_cast<double>(T) / steps;
      // numpy arange: length ceil((stop - start) / step), values start + i * step.
      const auto count = static_cast<int64_t>(std::ceil((0.0 - T) / -ratio));
      for (int64_t i = 0; i < count; ++i)
        seq.push_back(static_cast<int64_t>(std::nearbyint(T + i * -ratio)) - 1);
      std::reverse(seq.begin(), seq.end());
      break;
    }
    case SkipType::kLinspace: {  // round(linspace(0, T - 1, S))
      for (int i = 0; i < steps; ++i) {
        const double v = steps > 1 ? (i == steps - 1 ? T - 1.0 : i * ((T - 1.0) / (steps - 1))) : 0;
        seq.push_back(static_cast<int64_t>(std::nearbyint(v)));
      }
      break;
    }
    case SkipType::kLogSnr:
      throw Error("the logsnr step schedule needs the noise schedule (makeTimesteps overload)");
  }
  return seq;
}

namespace {

// lambda(t) = log(alpha_t / sigma_t) = 0.5 log(abar / (1 - abar)): falls as t grows.
double logSnr(const NoiseSchedule& schedule, int64_t t) {
  const double a = schedule.alphaBar(t);
  return 0.5 * std::log(a / (1.0 - a));
}

}  // namespace

std::vector<int64_t> makeTimesteps(SkipType type, int steps, const NoiseSchedule& schedule) {
  const int T = schedule.numTimesteps();
  if (type != SkipType::kLogSnr) return makeTimesteps(type, steps, T);
  const std::vector<int64_t> trailing = makeTimesteps(SkipType::kTrailing, steps, T);
  const int64_t low = trailing.front(), high = T - 1;
  const double lambdaLow = logSnr(schedule, low), lambdaHigh = logSnr(schedule, high);
  std::vector<int64_t> seq;
  for (int i = 0; i < steps; ++i) {
    const double target =
        steps > 1 ? lambdaLow + (lambdaHigh - lambdaLow) * i / (steps - 1.0) : lambdaHigh;
    // The first t in [low, high] whose lambda is at most the target, or the one before it.
    int64_t lo = low, hi = high;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (logSnr(schedule, mid) <= target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    int64_t t = lo;
    if (t > low && logSnr(schedule, t - 1) - target < target - logSnr(schedule, t)) --t;
    seq.push_back(t);
  }
  // Where neighbours round to the same timestep (S close to T), move them apart: strictly
  // ascending, S entries, still ending at T - 1 (there is room: T - round(T / S) + 1 >= S).
  for (int i = 0; i < steps; ++i) {
    const int64_t room = high - (steps - 1 - i);  // the largest t leaving room for the rest
    seq[i] = std::min(seq[i], room);
    if (i > 0) seq[i] = std::max(seq[i], seq[i - 1] + 1);
  }
  return seq;
}

std::string toString(SkipType s) {
  switch (s) {
    case SkipType::kUniform:
      return "uniform";
    case SkipType::kQuad:
      return "quad";
    case SkipType::kLeading:
      return "leading";
    case SkipType::kTrailing:
      return "trailing";
    case SkipType::kLinspace:
      return "linspace";
    case SkipType::kLogSnr:
      return "logsnr";
  }
  return "?";
}

SkipType parseSkipType(const std::string& s) {
  if (s == "uniform") return SkipType::kUniform;
  if (s == "quad") return SkipType::kQuad;
  if (s == "leading") return SkipType::kLeading;
  if (s == "trailing") return SkipType::kTrailing;
  if (s == "linspace") return SkipType::kLinspace;
  if (s == "logsnr") return SkipType::kLogSnr;
  throw Error("unknown step schedule '" + s +
              "' (expected uniform, quad, leading, trailing, linspace or logsnr)");
}

}  // namespace ddim
