#pragma once

#include <stdexcept>
#include <string>

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

}  // namespace ddim
