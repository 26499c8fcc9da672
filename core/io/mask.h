#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace ddim {

/// Reads a regeneration mask for a model of `size`: any image OpenCV reads, any size; white =
/// regenerate, black = keep (luma thresholded at 0.5, alpha composited on white as readImage
/// does), then centre-cropped and resized exactly as loadImageForModel does with the image, so
/// that the two align. Returns [1, 1, S, S] float32 in [0, 1] on the CPU: the share of each
/// pixel to regenerate (0 and 1 away from edges). Throws ddim::Error naming the file when it
/// cannot be read, has no white pixel, or has none inside the centre square.
[[nodiscard]] at::Tensor loadMaskForModel(const std::string& path, int size);

}  // namespace ddim
