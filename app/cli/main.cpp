#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "model/cpu_memory.h"

#ifdef DDIM_HAVE_QT_IMAGE
#include "qt_image_decoder.h"
#endif

namespace {

constexpr const char* kDescription =
    "ddim: DDIM (Song et al. 2020) sampling, inversion and interpolation";

constexpr const char* kFooter = R"(
usage:
  eps          --input X.npy --t T1[,T2,...] --out E.npy
  sample       (--noise X.npy | --seed N [--count K]) --steps S [--eta E]
               [--skip uniform|quad|trailing|linspace|leading|logsnr] [--clip] [--sigma-hat]
               [--guidance W] --out OUT.npy|OUT.png
  invert       --image IN --steps S [--skip ...] [--destination] --out LATENT.npy [--recon R.png]
  edit         --image IN [--mask MASK.png] [--strength 0..1] [--steps S] [--eta E] [--seed N]
               [--count K] [--noise forward|invert] [--exact] [--resample J] [--feather PX]
               [--guidance W] --out OUT.png|OUT.npy
  interpolate  --from A --to B --frames N --steps S [--lerp] [--fps F] --out STRIP.png|VIDEO.mp4
  compare      (--noise X.npy | --seed N) --steps 5,10,20,50,100 [--guidance W] --out GRID.png
  bench        --config C [--weights W] --batch B --steps S [--guidance W]
  info
  export       --out DIR [--half]
  dataset      emoji --size 32 --out DIR
  train        --data DIR --out MODEL_DIR ...
  evaluate     --data DIR [--quick] ...
'ddim <command> --help' lists every option of a command.

model options (all model commands):
  --model DIR | --config C --weights W    default: the bundled emoji model
  --guide-model DIR                       autoguidance: a weaker model of the same data to
                                          guide sampling (the default model has its own)
  --device auto|cpu|cuda                  default auto (CUDA when available)
  --threads N                             CPU threads, default all cores
  --quiet                                 no progress on stderr

guidance (sample, compare, bench, edit): --guidance W samples with guide + W (model - guide)
(Karras et al. 2024, autoguidance); default: the model's own weight, 1 (the model alone) without
a guide (edit --noise invert: 1). Inversion, reconstruction and interpolation always use the
model alone.

exit status: 0 success, 2 usage error, 1 any other error, 130 cancelled)";

// CLI11's messages, except for a missing option and a stray argument, which read as this tool
// has always said them. `app` is the top-level parser that threw `e`.
std::string usageText(const CLI::ParseError& e, const CLI::App& app) {
  const std::string text = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    for (const std::string& arg : app.remaining(/*recurse=*/true))
      if (arg.rfind("--", 0) == 0) return "unknown option " + arg.substr(0, arg.find('='));
    const std::vector<std::string> extras = app.remaining(/*recurse=*/true);
    if (!extras.empty()) return "unexpected argument '" + extras.front() + "'";
  }
  const std::string required = " is required";
  if (dynamic_cast<const CLI::RequiredError*>(&e) && text.rfind("--", 0) == 0 &&
      text.size() > required.size() &&
      text.compare(text.size() - required.size(), required.size(), required) == 0 &&
      text.find(' ') == text.size() - required.size())
    return "missing " + text.substr(0, text.size() - required.size());
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using ddim::cli::Command;
  ddim::useHugePagesForLargeTensors();  // 256-pixel models: page faults cost more than convolutions
#ifdef DDIM_HAVE_QT_IMAGE
  installQtImageDecoder();  // images OpenCV cannot read (GIF, ...), as in the GUI
#endif
  CLI::App app(kDescription, "ddim");
  app.require_subcommand(1);
  app.get_formatter()->column_width(30);
  const std::vector<Command> commands = {
      ddim::cli::addEpsCommand(app),         ddim::cli::addSampleCommand(app),
      ddim::cli::addInvertCommand(app),      ddim::cli::addEditCommand(app),
      ddim::cli::addInterpolateCommand(app), ddim::cli::addCompareCommand(app),
      ddim::cli::addBenchCommand(app),       ddim::cli::addInfoCommand(app),
      ddim::cli::addExportCommand(app),      ddim::cli::addDatasetCommand(app),
      ddim::cli::addTrainCommand(app),       ddim::cli::addEvaluateCommand(app),
  };
  app.footer(kFooter);  // after the subcommands: they would inherit it
  if (argc < 2) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  const std::string command = argv[1];
  const bool known = std::any_of(commands.begin(), commands.end(),
                                 [&](const Command& c) { return c.app->get_name() == command; });
  const std::string helpHint = known ? "run 'ddim " + command + " --help' for its options"
                                     : "run 'ddim --help' for the commands and options";
  try {
    if (command == "help") {
      std::cout << app.help();
      return 0;
    }
    if (!known && command != "--help" && command != "-h")
      throw ddim::cli::UsageError("unknown command '" + command + "'");
    app.parse(argc, argv);
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
    throw ddim::cli::UsageError("no command given");
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "ddim " << command << ": usage error: " << usageText(e, app) << "\n"
              << helpHint << "\n";
    return 2;
  } catch (const ddim::cli::UsageError& e) {
    std::cerr << "ddim " << command << ": usage error: " << e.what() << "\n" << helpHint << "\n";
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
