#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace ddim::testing {

/// A path the test run gives through the environment (CTest sets them, see tests/CMakeLists.txt),
/// so that no source or build path is compiled into a binary.
inline std::string pathFromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) + " is not set: run the tests through ctest");
  return value;
}

/// tests/data in the source tree.
inline std::string testDataDir() { return pathFromEnvironment("DDIM_TEST_DATA_DIR"); }
/// The built `ddim` executable.
inline std::string cliPath() { return pathFromEnvironment("DDIM_CLI"); }

}  // namespace ddim::testing
