#pragma once

#include <string>

namespace ddim {

/// The folder of the running executable (from /proc/self/exe); empty if it cannot be read.
[[nodiscard]] std::string executableDir();

/// The folder of the data the application ships (models/, samples/): $DDIM_RESOURCE_DIR when set,
/// else `<executable's folder>/../share/ddim-studio`, which is where `cmake --install` puts it and
/// where the build tree mirrors it. No source or build path is compiled in, so an installed or
/// moved tree finds its own data. May name a folder that does not exist; callers say so.
[[nodiscard]] std::string resourceDir();

}  // namespace ddim
