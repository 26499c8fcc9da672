#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace ddim::cli {

/// One `ddim` subcommand: its parser (owned by the top-level app, which holds its options) and
/// what runs it once parsed. `run` returns the exit status; it throws UsageError (status 2),
/// ddim::Cancelled (130) or any other exception (1), which main reports.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Each adds its subcommand to `ddim` (cmd_<name>.cpp).
[[nodiscard]] Command addEpsCommand(CLI::App& ddim);
[[nodiscard]] Command addSampleCommand(CLI::App& ddim);
[[nodiscard]] Command addInvertCommand(CLI::App& ddim);
[[nodiscard]] Command addEditCommand(CLI::App& ddim);
[[nodiscard]] Command addInterpolateCommand(CLI::App& ddim);
[[nodiscard]] Command addCompareCommand(CLI::App& ddim);
[[nodiscard]] Command addBenchCommand(CLI::App& ddim);
[[nodiscard]] Command addInfoCommand(CLI::App& ddim);
[[nodiscard]] Command addExportCommand(CLI::App& ddim);
[[nodiscard]] Command addDatasetCommand(CLI::App& ddim);
[[nodiscard]] Command addTrainCommand(CLI::App& ddim);
[[nodiscard]] Command addEvaluateCommand(CLI::App& ddim);

}  // namespace ddim::cli
