#include "io/image_folder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>

#include "errors.h"
#include "io/image_io.h"

namespace ddim {
namespace fs = std::filesystem;

namespace {

bool isImageFile(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".bmp" || e == ".tif" || e == ".tiff" ||
         e == ".webp";
}

}  // namespace

std::vector<std::string> listImageFiles(const std::string& folder) {
  fs::path dir(folder);
  if (!fs::is_directory(dir)) throw Error(folder + ": no such folder");
  if (fs::is_directory(dir / "train")) dir /= "train";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && isImageFile(e.path()) && e.path().filename().string()[0] != '.')
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw Error(dir.string() + ": holds no images (.png/.jpg/.jpeg/.bmp/.tif/.tiff/.webp)");
  return files;
}

at::Tensor loadImages(const std::vector<std::string>& files, int size) {
  if (files.empty()) throw Error("no images to load");
  at::Tensor out = at::empty({static_cast<int64_t>(files.size()), 3, size, size}, at::kFloat);
  for (size_t i = 0; i < files.size(); ++i)
    out[static_cast<int64_t>(i)].copy_(loadImageForModel(files[i], size)[0]);
  return out;
}

at::Tensor loadImageFolder(const std::string& folder, int size) {
  return loadImages(listImageFiles(folder), size);
}

}  // namespace ddim
