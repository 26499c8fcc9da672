#pragma once

#include <ATen/core/Tensor.h>

#include <QImage>

#include "image_io.h"

// Conversions between tensors and QImage; used on the worker thread only.

/// 8-bit RGB pixels -> a QImage that owns a deep copy of them (Format_RGB888).
[[nodiscard]] QImage toQImage(const ddim::Rgb8Image& image);

/// Model space [.., 3, H, W] (first item if batched, any device) -> deep-copied QImage.
[[nodiscard]] QImage modelSpaceToQImage(const at::Tensor& modelSpace);

/// Any QImage -> RGB float32 [3, H, W] in [0, 1] on the CPU; alpha is composited on white, as
/// ddim::readImage does for files.
[[nodiscard]] at::Tensor qImageToRgb01(const QImage& image);
