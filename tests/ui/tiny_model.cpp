#include "tiny_model.h"

#include <torch/torch.h>

#include <filesystem>

#include "io/npy.h"
#include "model/model_config.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "model/unet.h"

namespace ddim_test {

void writeTinyModel(const std::string& folder, int resolution, uint64_t seed) {
  std::filesystem::create_directories(folder);
  ddim::ModelConfig config;
  config.model.ch = 32;
  config.model.chMult = {1, 2};
  config.model.numResBlocks = 1;
  config.model.attnResolutions = {8};
  config.model.dropout = 0.0;
  config.model.resolution = resolution;
  config.imageSize = resolution;
  config.name = "tiny";
  torch::manual_seed(seed);
  ddim::UNet net(config.model);
  ddim::saveModelConfig(config, folder + "/config.yml");
  ddim::writeSafetensors(folder + "/model.safetensors", ddim::stateDictOf(*net));
}

void writeTinyGuidedModel(const std::string& folder, double weight) {
  writeTinyModel(folder + "/guide", 16, 2);
  writeTinyModel(folder, 16, 1);
  ddim::ModelConfig config = ddim::loadModelConfig(folder + "/config.yml");
  config.guidance.model = "guide";
  config.guidance.weight = weight;
  ddim::saveModelConfig(config, folder + "/config.yml");
}

void writeEmoji32SizedModel(const std::string& folder, uint64_t seed) {
  std::filesystem::create_directories(folder);
  ddim::ModelConfig config;
  config.model.ch = 32;
  config.model.chMult = {1, 2, 2};
  config.model.numResBlocks = 1;
  config.model.attnResolutions = {};
  config.model.dropout = 0.0;
  config.model.resolution = 32;
  config.imageSize = 32;
  config.diffusion.predictionType = ddim::PredictionType::kV;
  config.name = "emoji32-sized (random weights)";
  torch::manual_seed(seed);
  ddim::UNet net(config.model);
  ddim::saveModelConfig(config, folder + "/config.yml");
  ddim::writeSafetensors(folder + "/model.safetensors", ddim::stateDictOf(*net));
}

void writeConstantNpy(const std::string& path, const std::vector<int64_t>& shape, float value) {
  ddim::writeNpy(path, torch::full(shape, value, torch::kFloat32));
}

}  // namespace ddim_test
