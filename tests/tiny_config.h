#pragma once

#include "model/model_config.h"

namespace ddim::testing {

/// The smallest U-Net GroupNorm(32) allows, at 8x8 with 100 timesteps: fast enough for any test.
inline ModelConfig tinyConfig() {
  ModelConfig c;
  c.imageSize = 8;
  c.model.resolution = 8;
  c.model.ch = 32;
  c.model.chMult = {1, 2};
  c.model.numResBlocks = 1;
  c.model.attnResolutions = {4};
  c.model.dropout = 0.0;
  c.diffusion.numTimesteps = 100;
  c.name = "tiny";
  return c;
}

}  // namespace ddim::testing
