#pragma once

#include <ATen/core/Tensor.h>

class QImage;

/// Any QImage -> RGB float32 [3, H, W] in [0, 1] on the CPU: 16-bit images keep their 16 bits
/// (scaled by 65535), alpha is composited on white as ddim::readImage does.
[[nodiscard]] at::Tensor rgb01FromQImage(const QImage& image);

/// Registers Qt's QImageReader as ddim::readImage's fallback decoder, for what OpenCV cannot read
/// (GIF, ICO, and whatever image format plugins Qt finds). The front ends call it once at start.
void installQtImageDecoder();
