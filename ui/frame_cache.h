#pragma once

#include <QImage>
#include <map>
#include <optional>

/// Frames along the A-B path keyed by their position alpha in [0, 1], for showing the nearest
/// one at once while the exact frame is computed.
class FrameCache {
 public:
  struct Entry {
    double alpha = 0;
    QImage image;
  };

  void clear() { frames_.clear(); }
  void insert(double alpha, const QImage& image) { frames_[alpha] = image; }
  [[nodiscard]] std::optional<Entry> nearest(double alpha) const;
  [[nodiscard]] bool contains(double alpha) const { return frames_.count(alpha) > 0; }
  [[nodiscard]] int size() const { return static_cast<int>(frames_.size()); }

 private:
  std::map<double, QImage> frames_;
};
