#pragma once

#include <string>
#include <vector>

namespace ddim::cli {

// Each subcommand takes the arguments after its name and returns the exit status (0 success,
// 2 usage error via UsageError, 1 any other error via exceptions caught in main).
int runEps(const std::vector<std::string>& args);
int runSample(const std::vector<std::string>& args);
int runInvert(const std::vector<std::string>& args);
int runInterpolate(const std::vector<std::string>& args);
int runCompare(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
int runInfo(const std::vector<std::string>& args);
int runExport(const std::vector<std::string>& args);
int runDataset(const std::vector<std::string>& args);
int runTrain(const std::vector<std::string>& args);
int runEvaluate(const std::vector<std::string>& args);

}  // namespace ddim::cli
