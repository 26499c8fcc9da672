#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ddim::testing {

/// A path the test run gives through the environment (CTest sets DDIM_TEST_DATA_DIR, see
/// tests/CMakeLists.txt), so that no source or build path is compiled into a binary.
inline std::string pathFromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) + " is not set: run the tests through ctest");
  return value;
}

/// The folder of the running test executable: the build's bin/, beside `ddim`.
inline std::filesystem::path testBinaryDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

/// tests/data in the source tree: $DDIM_TEST_DATA_DIR, else the link the build tree holds to it
/// (bin/../tests/data, made by tests/CMakeLists.txt).
inline std::string testDataDir() {
  const char* value = std::getenv("DDIM_TEST_DATA_DIR");
  if (value && *value) return value;
  return (testBinaryDir().parent_path() / "tests" / "data").string();
}

/// The built `ddim` executable: $DDIM_CLI, else the one beside the test executable.
inline std::string cliPath() {
  const char* value = std::getenv("DDIM_CLI");
  return value && *value ? value : (testBinaryDir() / "ddim").string();
}

/// The bundled default model: $DDIM_BUNDLED_MODEL, else where the build tree mirrors the
/// installed data (bin/../share/ddim-studio/models/emoji32).
inline std::string bundledModelDir() {
  const char* value = std::getenv("DDIM_BUNDLED_MODEL");
  if (value && *value) return value;
  return (testBinaryDir().parent_path() / "share" / "ddim-studio" / "models" / "emoji32").string();
}

}  // namespace ddim::testing
