#pragma once

#include <string>
#include <string_view>

namespace ddim {

/// The deepest nesting of JSON arrays and objects a file may have. nlohmann::json copies and
/// prints values recursively, so a value nested 100,000 deep overflows the stack; the files read
/// here (safetensors headers, diffusers configs) nest three levels at most.
constexpr int kMaxJsonNesting = 32;

/// Throws ddim::Error "<source>: JSON nested deeper than N levels" when `text` nests arrays and
/// objects deeper than `maxDepth` (brackets inside strings do not count). One linear pass, no
/// recursion: run it before parsing.
void checkJsonNesting(std::string_view text, const std::string& source,
                      int maxDepth = kMaxJsonNesting);

}  // namespace ddim
