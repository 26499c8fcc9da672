#include "diffusion/timesteps.h"

#include <algorithm>
#include <cmath>

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
  }
  return "?";
}

SkipType parseSkipType(const std::string& s) {
  if (s == "uniform") return SkipType::kUniform;
  if (s == "quad") return SkipType::kQuad;
  if (s == "leading") return SkipType::kLeading;
  if (s == "trailing") return SkipType::kTrailing;
  if (s == "linspace") return SkipType::kLinspace;
  throw Error("unknown step schedule '" + s +
              "' (expected uniform, quad, leading, trailing or linspace)");
}

}  // namespace ddim
