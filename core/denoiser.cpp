#include "denoiser.h"

#include <ATen/ATen.h>

#include <cmath>

namespace ddim {

EpsAndX0 toEpsAndX0(const at::Tensor& output, const at::Tensor& x, double a,
                    PredictionType prediction) {
  const double sa = std::sqrt(a), s1a = std::sqrt(1.0 - a);
  switch (prediction) {
    case PredictionType::kEps:
      return {output, (x - s1a * output) / sa};
    case PredictionType::kV:  // v = sqrt(a) eps - sqrt(1 - a) x0
      return {s1a * x + sa * output, sa * x - s1a * output};
    case PredictionType::kX0:
      return {(x - sa * output) / s1a, output};
  }
  return {output, (x - s1a * output) / sa};
}

}  // namespace ddim
