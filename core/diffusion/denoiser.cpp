#include "diffusion/denoiser.h"

#include <ATen/ATen.h>

#include <cmath>

#include "errors.h"

namespace ddim {

Denoiser guidedDenoiser(const Denoiser& model, const Denoiser& guide, double weight) {
  if (!model.net || !guide.net) throw Error("guidance needs a model and a guide network");
  if (model.prediction != guide.prediction)
    throw Error("the guide predicts " + toString(guide.prediction) + " but the model predicts " +
                toString(model.prediction) + ": guidance needs both to predict the same");
  if (!std::isfinite(weight)) throw Error("guidance weight must be a finite number");
  if (weight == 1.0) return model;
  Denoiser out;
  out.prediction = model.prediction;
  out.net = [m = model.net, g = guide.net, weight](const at::Tensor& x, const at::Tensor& t) {
    const at::Tensor yg = g(x, t);
    return yg + weight * (m(x, t) - yg);
  };
  return out;
}

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
