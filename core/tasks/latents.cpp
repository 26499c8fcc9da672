#include "tasks/latents.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "errors.h"
#include "io/image_io.h"
#include "io/npy.h"
#include "model/model_loader.h"

namespace ddim {
namespace {

std::string lowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace

std::vector<int64_t> latentShape(const LoadedModel& model, int64_t batch) {
  const int64_t size = model.config.imageSize;
  return {batch, model.config.channels, size, size};
}

at::Tensor readLatentFor(const LoadedModel& model, const std::string& path, LatentCount count) {
  at::Tensor z = readNpy(path);
  if (z.dim() == 3) z = z.unsqueeze(0);
  const std::vector<int64_t> one = latentShape(model, 1);
  const bool batchOk = count == LatentCount::kBatch && z.dim() == 4 && z.size(0) >= 1;
  const bool shapeOk = z.dim() == 4 && (z.size(0) == 1 || batchOk) && z.size(1) == one[1] &&
                       z.size(2) == one[2] && z.size(3) == one[3];
  if (!shapeOk) {
    const std::string expected = (count == LatentCount::kBatch ? "[B, " : "[1, ") +
                                 std::to_string(one[1]) + ", " + std::to_string(one[2]) + ", " +
                                 std::to_string(one[3]) + "]";
    throw Error(path + ": latent has shape " + c10::str(z.sizes()) + ", the model (" + model.name +
                ") expects " + expected);
  }
  return z.to(model.device);
}

at::Tensor latentFromFileOrImage(const LoadedModel& model, const std::string& path,
                                 const InvertOptions& options, const RunControl& control) {
  if (lowerExtension(path) == ".npy") return readLatentFor(model, path, LatentCount::kOne);
  const at::Tensor x0 = loadImageForModel(path, model.config.imageSize).to(model.device);
  return invert(model.fullPrecision(), model.schedule, x0, options, control);
}

}  // namespace ddim
