#include "io/mask.h"

#include <ATen/ATen.h>

#include "errors.h"
#include "io/image_io.h"

namespace ddim {

at::Tensor loadMaskForModel(const std::string& path, int size) {
  const at::Tensor rgb = readImage(path);  // [3, H, W] in [0, 1]
  // Rec. 601 luma, as OpenCV's RGB -> gray; a threshold so that JPEG noise and anti-aliased
  // edges do not leave a faint regeneration over the kept region.
  const at::Tensor luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  const at::Tensor white = (luma >= 0.5).to(at::kFloat);
  if (white.max().item<float>() == 0)
    throw Error("mask " + path + " has no white pixel (white = regenerate, black = keep)");
  // The image's own crop and resize, on three equal channels.
  const at::Tensor mask = cropAndResize(white.expand({3, -1, -1}), size)[0];
  if (mask.max().item<float>() == 0)
    throw Error("mask " + path +
                " has no white pixel inside the centre square the image is cropped to");
  return mask.reshape({1, 1, size, size});
}

}  // namespace ddim
