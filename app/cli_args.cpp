#include "cli_args.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace ddim::cli {

const std::vector<std::string> kModelOptions = {"config", "weights", "model", "guide-model", "device", "threads"};
const std::vector<std::string> kCommonFlags = {"quiet"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

CliArgs::CliArgs(const std::vector<std::string>& args,
                 const std::vector<std::string>& valueOptions,
                 const std::vector<std::string>& flags) {
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2)
      throw UsageError("unexpected argument '" + a + "'");
    std::string name = a.substr(2), value;
    const auto eq = name.find('=');
    const bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (contains(flags, name)) {
      if (inlineValue) throw UsageError("--" + name + " takes no value");
      flags_.insert(name);
    } else if (contains(valueOptions, name)) {
      if (!inlineValue) {
        if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
        value = args[++i];
      }
      if (values_.count(name)) throw UsageError("--" + name + " given twice");
      values_[name] = value;
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

bool CliArgs::has(const std::string& name) const { return values_.count(name) > 0; }
bool CliArgs::flag(const std::string& name) const { return flags_.count(name) > 0; }

std::string CliArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string CliArgs::require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing --" + name);
  return it->second;
}

int CliArgs::getInt(const std::string& name, int fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || x < INT32_MIN || x > INT32_MAX)
    throw UsageError("--" + name + " expects an integer, got '" + v + "'");
  return static_cast<int>(x);
}

double CliArgs::getDouble(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) throw UsageError("--" + name + " expects a number, got '" + v + "'");
  return x;
}

uint64_t CliArgs::getU64(const std::string& name, uint64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || v[0] == '-')
    throw UsageError("--" + name + " expects a non-negative integer, got '" + v + "'");
  return x;
}

std::vector<int> CliArgs::getIntList(const std::string& name) const {
  std::vector<int> out;
  const std::string v = require(name);
  size_t start = 0;
  while (start <= v.size()) {
    const size_t end = v.find(',', start);
    const std::string item = v.substr(start, end == std::string::npos ? end : end - start);
    char* stop = nullptr;
    const long x = std::strtol(item.c_str(), &stop, 10);
    if (item.empty() || *stop) throw UsageError("--" + name + " expects integers like 5,10,20, got '" + v + "'");
    out.push_back(static_cast<int>(x));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace ddim::cli
