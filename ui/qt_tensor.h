#pragma once

#include <ATen/core/Tensor.h>

#include <QImage>

#include "io/image_io.h"

// Conversions between tensors (or core's 8-bit images) and QImage; the tensor ones are used on
// the worker thread only.

/// 8-bit RGB pixels -> a QImage that owns a deep copy of them (Format_RGB888).
[[nodiscard]] QImage toQImage(const ddim::Rgb8Image& image);
/// Any QImage -> core's 8-bit RGB pixels (a copy; alpha is dropped).
[[nodiscard]] ddim::Rgb8Image rgb8FromQImage(const QImage& image);

/// Model space [.., 3, H, W] (first item if batched, any device) -> deep-copied QImage.
[[nodiscard]] QImage modelSpaceToQImage(const at::Tensor& modelSpace);

/// Any QImage -> RGB float32 [3, H, W] in [0, 1] on the CPU; alpha is composited on white, as
/// ddim::readImage does for files.
[[nodiscard]] at::Tensor qImageToRgb01(const QImage& image);
