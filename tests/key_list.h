#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace ddim::testing {

/// One weight of a paper checkpoint: its official state-dict name, the diffusers UNet2DModel
/// name it maps to, and its official shape.
struct KeyListEntry {
  std::string official;
  std::string diffusers;
  std::vector<int64_t> shape;
};

/// Reads tests/data/keys/<model>.tsv (tab-separated `official diffusers shape`, shape as
/// 128x3x3x3; lines starting with # are comments), in the official state dict's order.
inline std::vector<KeyListEntry> readKeyList(const std::string& model) {
  const std::string path = testDataDir() + "/keys/" + model + ".tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<KeyListEntry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    KeyListEntry e;
    std::string shape, dim;
    const bool ok =
        static_cast<bool>(std::getline(fields, e.official, '\t') &&
                          std::getline(fields, e.diffusers, '\t') && std::getline(fields, shape));
    EXPECT_TRUE(ok) << path << ": " << line;
    std::istringstream dims(shape);
    while (std::getline(dims, dim, 'x')) e.shape.push_back(std::stoll(dim));
    out.push_back(std::move(e));
  }
  EXPECT_FALSE(out.empty()) << path;
  return out;
}

}  // namespace ddim::testing
