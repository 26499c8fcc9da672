#pragma once

#include <string>
#include <vector>

#include "io/image_io.h"

namespace ddim {

/// Writes `frames` (all the same size) as a video at `fps` frames a second: H.264 in the
/// container the extension names (.mp4). Each frame is upscaled by the integer `scale` with
/// nearest-neighbour, then padded by repeating its last row and column to even dimensions (H.264's
/// 4:2:0 chroma needs them). Written through a temporary file in the same folder and renamed into
/// place; the written video is read back before it is renamed. Throws ddim::Error naming the file
/// and the cause for empty or mismatched frames, fps <= 0, scale < 1, a folder that takes no
/// writes (read-only, full: the system's message), or no encoder (said only when OpenCV cannot
/// encode into the system's temporary folder either); nothing is left behind.
void writeVideo(const std::string& path, const std::vector<Rgb8Image>& frames, double fps,
                int scale);

}  // namespace ddim
