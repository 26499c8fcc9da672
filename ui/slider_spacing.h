#pragma once

#include <vector>

/// Maps the interpolation slider's position u in [0, 1] to the position alpha on the A-B path.
/// Plain (identity) until the path's frames are known; then re-spaced so that equal slider moves
/// change the picture by equal amounts (DiffMorpher's re-spacing): the frames at evenly spaced u
/// are equally far apart along the path. Both ends stay exact: u = 0 is alpha 0, u = 1 alpha 1.
class SliderSpacing {
 public:
  /// The identity: alpha = u.
  SliderSpacing() = default;

  /// Re-spaced from frames decoded at increasing `alphas` (0 first, 1 last) with `distances`
  /// between neighbours (N - 1 of them, >= 0; ddim::frameDistances): `knots` evenly spaced
  /// positions (>= 2) get the alphas ddim::evenlySpacedAlphas gives, and alpha is linear in u
  /// between them. A path that does not move at all (total distance 0) stays the identity.
  [[nodiscard]] static SliderSpacing fromPath(const std::vector<double>& alphas,
                                              const std::vector<double>& distances, int knots);
  /// Directly from the alphas at evenly spaced positions (first 0, last 1, non-decreasing).
  [[nodiscard]] static SliderSpacing fromKnots(std::vector<double> evenAlphas);

  [[nodiscard]] bool isIdentity() const { return knots_.empty(); }
  /// Alpha at slider position u (clamped to [0, 1]); piecewise linear between the knots.
  [[nodiscard]] double alphaAt(double u) const;
  /// The slider position whose alpha is `alpha` (clamped to [0, 1]): the inverse of alphaAt.
  [[nodiscard]] double positionOf(double alpha) const;
  /// The alphas at the knots (empty for the identity).
  [[nodiscard]] const std::vector<double>& knots() const { return knots_; }

 private:
  std::vector<double> knots_;  // alpha at u = k / (size - 1)
};
