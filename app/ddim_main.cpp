#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "errors.h"

namespace {

constexpr const char* kUsage = R"(ddim: DDIM (Song et al. 2020) sampling, inversion and interpolation

usage: ddim <command> [options]

commands:
  eps          --input X.npy --t T1[,T2,...] --out E.npy         evaluate the network
  sample       (--noise X.npy | --seed N [--count K]) --steps S [--eta E]
               [--skip uniform|quad|trailing|linspace|leading] [--clip] [--sigma-hat]
               [--guidance W] --out OUT.npy|OUT.png
  invert       --image IN --steps S [--skip ...] [--destination] --out LATENT.npy [--recon R.png]
  interpolate  --from A --to B --frames N --steps S [--lerp] --out STRIP.png
  compare      (--noise X.npy | --seed N) --steps 5,10,20,50,100 [--guidance W] --out GRID.png
  bench        --config C [--weights W] --batch B --steps S [--guidance W]
  info         print the model's configuration
  export       --out DIR [--half]                 write the model (any format but TorchScript)
                                                  as config.yml + model.safetensors
  dataset      emoji --size 32 --out DIR          build the emoji dataset
  train        --data DIR --out MODEL_DIR ...     train a model (ddim train --help)
  evaluate     [--quick] ...                      reproduce the paper's tables 1 and 2

model options (all model commands):
  --model DIR | --config C --weights W    default: the bundled emoji model
  --guide-model DIR                       autoguidance: a weaker model of the same data to
                                          guide sampling (the default model has its own)
  --device auto|cpu|cuda                  default auto (CUDA when available)
  --threads N                             CPU threads, default all cores
  --quiet                                 no progress on stderr

guidance (sample, compare): --guidance W samples with guide + W (model - guide) (Karras et
al. 2024, autoguidance); default: the model's own weight, 1 (the model alone) without a guide.
Inversion, reconstruction and interpolation always use the model alone.

exit status: 0 success, 2 usage error, 1 any other error
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace ddim::cli;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "eps") return runEps(args);
    if (command == "sample") return runSample(args);
    if (command == "invert") return runInvert(args);
    if (command == "interpolate") return runInterpolate(args);
    if (command == "compare") return runCompare(args);
    if (command == "bench") return runBench(args);
    if (command == "info") return runInfo(args);
    if (command == "export") return runExport(args);
    if (command == "dataset") return runDataset(args);
    if (command == "train") return runTrain(args);
    if (command == "evaluate") return runEvaluate(args);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    std::cerr << "ddim " << command << ": usage error: " << e.what() << "\n"
              << "run 'ddim --help' for the commands and options\n";
    return 2;
  } catch (const ddim::Cancelled&) {
    std::cerr << "ddim " << command << ": cancelled\n";
    return 130;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    // LibTorch errors carry a C++ backtrace after the first line; one clear line is enough.
    const auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    std::cerr << "ddim " << command << ": error: " << msg << "\n";
    return 1;
  }
}
