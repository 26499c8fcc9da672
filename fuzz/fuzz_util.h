#pragma once
// Shared by the libFuzzer targets: every parser's contract is "a result or a ddim::Error"; any
// other exception escapes and libFuzzer reports it, as it reports crashes, leaks, sanitizer
// findings, timeouts and allocations above -rss_limit_mb / -malloc_limit_mb.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace ddim::fuzz {

/// A scratch folder for this fuzzing process (parsers that take a path read from it).
inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d =
        std::filesystem::temp_directory_path() / ("ddim_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Writes the input to `name` in the scratch folder; returns its path.
inline std::string writeInput(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = (scratchDir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace ddim::fuzz
