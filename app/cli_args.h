#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ddim::cli {

/// A mistake in how the command was called: exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Options of one subcommand: `--name value` for value options, `--name` for flags.
class CliArgs {
 public:
  /// Throws UsageError for an unknown option, a missing value or a stray argument.
  CliArgs(const std::vector<std::string>& args, const std::vector<std::string>& valueOptions,
          const std::vector<std::string>& flags);

  [[nodiscard]] bool has(const std::string& name) const;
  [[nodiscard]] bool flag(const std::string& name) const;
  [[nodiscard]] std::string get(const std::string& name, const std::string& fallback = "") const;
  [[nodiscard]] std::string require(const std::string& name) const;
  [[nodiscard]] int getInt(const std::string& name, int fallback) const;
  [[nodiscard]] double getDouble(const std::string& name, double fallback) const;
  [[nodiscard]] uint64_t getU64(const std::string& name, uint64_t fallback) const;
  /// "5,10,20" -> {5, 10, 20}
  [[nodiscard]] std::vector<int> getIntList(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

/// Options every model-running command takes.
extern const std::vector<std::string> kModelOptions;  // --config --weights --model --device --threads
extern const std::vector<std::string> kCommonFlags;   // --quiet

[[nodiscard]] std::vector<std::string> concat(std::vector<std::string> a,
                                              const std::vector<std::string>& b);

}  // namespace ddim::cli
