#include "io/resources.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ddim {

std::string executableDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string resourceDir() {
  if (const char* env = std::getenv("DDIM_RESOURCE_DIR"); env && *env) return env;
  const std::string dir = executableDir();
  if (dir.empty()) return "share/ddim-studio";
  return (std::filesystem::path(dir).parent_path() / "share" / "ddim-studio")
      .lexically_normal()
      .string();
}

}  // namespace ddim
