#pragma once

#include <string>
#include <vector>

#include "io/image_io.h"

namespace ddim {

/// Writes `frames` (all the same size) as a video at `fps` frames a second: H.264 in the
/// container the extension names (.mp4). Each frame is upscaled by the integer `scale` with
/// nearest-neighbour, then padded by repeating its last row and column to even dimensions (H.264's
/// 4:2:0 chroma needs them). Written through a temporary file in the same folder and renamed into
/// place. Throws ddim::Error naming the file for empty or mismatched frames, fps <= 0, scale < 1,
/// a file that cannot be created, or no encoder.
void writeVideo(const std::string& path, const std::vector<Rgb8Image>& frames, double fps,
                int scale);

}  // namespace ddim
