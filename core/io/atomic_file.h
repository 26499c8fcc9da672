#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace ddim {

/// Writes `bytes` to `path` through a temporary file in the same folder, then renames it over
/// `path`, so a reader never sees a half-written file and a failed write leaves the old file
/// intact.
void writeFileAtomic(const std::string& path, std::string_view bytes);

/// Same, for writers that produce a file themselves: `write(tmpPath)` fills the temporary file.
void writeFileAtomicWith(const std::string& path,
                         const std::function<void(const std::string& tmpPath)>& write);

/// Removes the temporary files that writers killed mid-write (SIGKILL, power loss) left in
/// `folder`: the hidden `.NAME.tmp-PID-N` files of processes that no longer run. Returns how many.
int removeStaleTempFiles(const std::string& folder);

/// Reads a whole file; throws ddim::Error naming the file when it cannot be read.
[[nodiscard]] std::string readFileBytes(const std::string& path);

}  // namespace ddim
