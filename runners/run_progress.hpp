#pragma once
// The run's progress lines on stderr ("kiln: step 2/9: ..."): rank 0 speaks, unless --quiet. Callers escape what
// a node or a probe wrote (reports/printable): it must not drive the terminal.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "core/units.hpp"

namespace kiln {

class RunProgress {
 public:
  explicit RunProgress(bool speaks) : speaks_(speaks) {}
  bool speaks() const { return speaks_; }
  // Any thread.
  void Say(const std::string& line) const {
    if (!speaks_) return;
    std::fprintf(stderr, "kiln: %s\n", line.c_str());
    last_.store(Clock::now().time_since_epoch().count());
  }
  // How long since the last line (or since the start): the heartbeat speaks when the run has been quiet a while.
  Seconds Silence() const { return Clock::now() - Clock::time_point(Clock::duration(last_.load())); }

 private:
  using Clock = std::chrono::steady_clock;
  bool speaks_;
  mutable std::atomic<Clock::rep> last_{Clock::now().time_since_epoch().count()};
};

}  // namespace kiln
