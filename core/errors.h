#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ddim {

/// Any failure the user can act on: a bad file, a bad option, a shape mismatch. The message names
/// the file or key and what was expected versus found.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when a cancel token was set; distinct from failure so callers can report it as such.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

/// `text` with control bytes escaped (\n, \t, \r, \xNN), for echoing a name from a file in a
/// one-line message.
[[nodiscard]] inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ddim
