#pragma once

#include <chrono>
#include <string>

#include "diffusion/run_control.h"

namespace ddim::cli {

/// Progress of one job on stderr, silent when quiet. The clock starts at construction, so every
/// rate shown is steps done over time spent. On a terminal: one line rewritten in place ("\r"),
/// at most every 0.1 s. Otherwise (a log, CI): plain lines, one at each 10 % mark, and one after
/// 10 s without a line. Both end with "<label> done in X s" when the last step is reported.
class Progress {
 public:
  Progress(std::string label, bool quiet);
  /// Ends an unfinished terminal line, so that an error message starts on a line of its own.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// A control whose onStep reports here; `this` must outlive it.
  [[nodiscard]] RunControl control();
  /// Step `step` of `total` (1..total) is done.
  void update(int step, int total);

 private:
  using Clock = std::chrono::steady_clock;
  [[nodiscard]] double elapsed() const;

  std::string label_;
  bool quiet_;
  bool terminal_;
  Clock::time_point start_;
  double lastLine_ = 0;   // seconds after start_ of the last line or redraw
  int lastTenth_ = 0;     // tenths done at the last plain line
  size_t lineWidth_ = 0;  // characters of the terminal line now shown
  bool linePending_ = false;
};

}  // namespace ddim::cli
