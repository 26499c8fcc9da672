#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace ddim {

/// The image files (PNG, JPEG, BMP, TIFF, WebP) directly inside `folder`, sorted by name. A folder
/// that holds a `train/` subfolder (as `ddim dataset` writes) is read from that subfolder.
/// Throws ddim::Error when the folder is missing or holds no images.
[[nodiscard]] std::vector<std::string> listImageFiles(const std::string& folder);

/// Loads every image of `listImageFiles(folder)`, centre-cropped and area-resized to size x size:
/// [N, 3, size, size] float32 CPU in model space [-1, 1].
[[nodiscard]] at::Tensor loadImageFolder(const std::string& folder, int size);

/// Same for an explicit list of files.
[[nodiscard]] at::Tensor loadImages(const std::vector<std::string>& files, int size);

}  // namespace ddim
