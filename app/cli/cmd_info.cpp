// ddim info: what a model is.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "model/model_config.h"

namespace ddim::cli {
namespace {

int runInfo(const ModelArgs& args) {
  const LoadedModel model = loadModelFromArgs(args);
  const ModelConfig& c = model.config;
  std::printf("name: %s\nformat: %s\nweights: %s\nparameters: %lld\nresolution: %d\n",
              model.name.c_str(), toString(model.format).c_str(), model.weightsPath.c_str(),
              static_cast<long long>(model.parameterCount), c.imageSize);
  std::printf("precision: %s (%s)\n", toString(model.precision.used).c_str(),
              model.precision.reason.c_str());
  std::printf("prediction: %s\nschedule: %s %g..%g, T=%d\n%s",
              toString(c.diffusion.predictionType).c_str(),
              toString(c.diffusion.betaSchedule).c_str(), c.diffusion.betaStart,
              c.diffusion.betaEnd, c.diffusion.numTimesteps, modelConfigToYaml(c).c_str());
  if (model.hasGuide())
    std::printf("guide: %s\nguide weights: %s\nguide parameters: %lld\nguidance: %g\n",
                model.guideName.c_str(), model.guideWeightsPath.c_str(),
                static_cast<long long>(model.guideParameterCount), model.guidance);
  return 0;
}

}  // namespace

Command addInfoCommand(CLI::App& ddim) {
  auto a = std::make_shared<ModelArgs>();
  CLI::App* cmd = ddim.add_subcommand("info", "print the model's configuration");
  addModelOptions(*cmd, *a);
  return {cmd, [a] { return runInfo(*a); }};
}

}  // namespace ddim::cli
