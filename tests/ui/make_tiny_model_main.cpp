// Writes a random test model into a folder: used by scripts/screenshots.sh (and for timing the
// slider) while the bundled default model has not been trained yet.
//   ddim-make-tiny-model FOLDER [tiny|emoji32]
#include <cstdio>
#include <cstring>
#include <exception>

#include "tiny_model.h"

int main(int argc, char** argv) {
  const bool emoji = argc == 3 && std::strcmp(argv[2], "emoji32") == 0;
  if (argc < 2 || argc > 3 || (argc == 3 && !emoji && std::strcmp(argv[2], "tiny") != 0)) {
    std::fprintf(stderr, "usage: %s FOLDER [tiny|emoji32]\n", argv[0]);
    return 2;
  }
  try {
    if (emoji) {
      ddim_test::writeEmoji32SizedModel(argv[1]);
    } else {
      ddim_test::writeTinyModel(argv[1]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
