#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>

namespace ddim::cli {
namespace {

constexpr double kRedrawSeconds = 0.1;      // terminal
constexpr double kHeartbeatSeconds = 10.0;  // log, between 10 % marks

}  // namespace

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)),
      quiet_(quiet),
      terminal_(::isatty(::fileno(stderr)) == 1),
      start_(Clock::now()) {}

Progress::~Progress() {
  if (linePending_) std::fputc('\n', stderr);
}

RunControl Progress::control() {
  RunControl c;
  c.onStep = [this](int step, int total, const at::Tensor&) { update(step, total); };
  return c;
}

double Progress::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void Progress::update(int step, int total) {
  if (quiet_ || total <= 0) return;
  const double seconds = elapsed();
  char line[256];
  if (step >= total) {
    std::snprintf(line, sizeof line, "%s done in %.2f s", label_.c_str(), seconds);
  } else {
    const double rate = step / seconds;
    std::snprintf(line, sizeof line, "%s %d/%d  %.*f it/s  %.0f s left", label_.c_str(), step,
                  total, rate < 10 ? 2 : 1, rate, (total - step) / rate);
  }
  const std::string text = line;
  if (terminal_) {
    if (step < total && linePending_ && seconds - lastLine_ < kRedrawSeconds) return;
    // Spaces over what is left of a longer previous line.
    const std::string pad(lineWidth_ > text.size() ? lineWidth_ - text.size() : 0, ' ');
    std::fprintf(stderr, "\r%s%s%s", text.c_str(), pad.c_str(), step >= total ? "\n" : "");
    lineWidth_ = step < total ? text.size() : 0;
    linePending_ = step < total;
  } else {
    const int tenth = static_cast<int>(10LL * step / total);
    if (step < total && tenth <= lastTenth_ && seconds - lastLine_ < kHeartbeatSeconds) return;
    std::fprintf(stderr, "%s\n", text.c_str());
    lastTenth_ = tenth;
  }
  std::fflush(stderr);
  lastLine_ = seconds;
}

}  // namespace ddim::cli
