#include "slider_spacing.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "diffusion/interpolation.h"

SliderSpacing SliderSpacing::fromPath(const std::vector<double>& alphas,
                                      const std::vector<double>& distances, int knots) {
  double total = 0;
  for (double d : distances) total += d;
  if (!(total > 0)) return {};
  return fromKnots(ddim::evenlySpacedAlphas(alphas, distances, knots));
}

SliderSpacing SliderSpacing::fromKnots(std::vector<double> evenAlphas) {
  if (evenAlphas.size() < 2 || evenAlphas.front() != 0.0 || evenAlphas.back() != 1.0 ||
      !std::is_sorted(evenAlphas.begin(), evenAlphas.end())) {
    throw std::invalid_argument("slider spacing: knots must rise from 0 to 1");
  }
  SliderSpacing s;
  s.knots_ = std::move(evenAlphas);
  return s;
}

double SliderSpacing::alphaAt(double u) const {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  if (knots_.empty()) return u;
  const double x = u * static_cast<double>(knots_.size() - 1);
  const size_t k = std::min(static_cast<size_t>(x), knots_.size() - 2);
  const double f = x - static_cast<double>(k);
  return knots_[k] + f * (knots_[k + 1] - knots_[k]);
}

double SliderSpacing::positionOf(double alpha) const {
  if (alpha <= 0) return 0;
  if (alpha >= 1) return 1;
  if (knots_.empty()) return alpha;
  // The first knot at or above alpha; knots may repeat where the path does not move.
  const auto above = std::lower_bound(knots_.begin(), knots_.end(), alpha);
  const size_t k = static_cast<size_t>(above - knots_.begin());
  const double last = static_cast<double>(knots_.size() - 1);
  const double span = knots_[k] - knots_[k - 1];
  const double f = span > 0 ? (alpha - knots_[k - 1]) / span : 1.0;
  return (static_cast<double>(k - 1) + f) / last;
}
