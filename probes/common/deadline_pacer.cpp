#include "probes/common/deadline_pacer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.hpp"
#include "probes/common/collective_math.hpp"

namespace kiln {

void DeadlinePacer::Begin(std::string operation) {
  operation_ = std::move(operation);
  last_bytes_ = 0;
  last_seconds_ = 0;
  bytes_ = 0;
}

bool DeadlinePacer::StopBeforeSize(std::uint64_t bytes, int iterations) {
  bytes_ = bytes;
  double one = collective::PredictedIterationSeconds(static_cast<double>(last_bytes_), last_seconds_,
                                                     static_cast<double>(bytes));
  return Agree(one * iterations, fmt::format("size {} would take about {} ({} {}(s) at the least)", FormatBytes(bytes),
                                            FormatDuration(Seconds(one * iterations)), iterations, operation_));
}

bool DeadlinePacer::StopBeforeSample(double seconds, int iterations) {
  return Agree(seconds * iterations,
               fmt::format("{} more {}(s){} would take about {}", iterations, operation_,
                           bytes_ > 0 ? fmt::format(" of size {}", FormatBytes(bytes_)) : std::string(),
                           FormatDuration(Seconds(seconds * iterations))));
}

void DeadlinePacer::Measured(std::uint64_t bytes, double seconds) {
  last_bytes_ = bytes;
  last_seconds_ = seconds;
}

bool DeadlinePacer::Agree(double predicted_seconds, const std::string& why) {
  enum : int { kGoOn = 0, kForeseen = 1, kRequested = 2 };
  double left = 0;
  int mine = kGoOn;
  if (ctx_.stop.stop_requested()) {
    mine = kRequested;
  } else if (ctx_.deadline != std::chrono::steady_clock::time_point() && predicted_seconds > 0) {
    left = std::chrono::duration<double>(ctx_.deadline - clock_.now()).count();
    mine = predicted_seconds * margin_ > left ? kForeseen : kGoOn;
  }
  int any = group_.MaxVote(mine);
  stopped_ = any != kGoOn;
  requested_ = any == kRequested;
  if (any == kForeseen) {
    why_ = mine == kForeseen
               ? fmt::format("{}; {} were left of the step's timeout", why, FormatDuration(Seconds(std::max(0.0, left))))
               : "another rank of the group foresaw that the next work could not end before the step's timeout";
  }
  return any != kGoOn;
}

}  // namespace kiln
