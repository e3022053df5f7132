#pragma once
// Paces a probe's work by the step's deadline, so that a slow network ends the step measured (what it reached,
// and why it went no further), not hung inside work it cannot finish before the watch gives up on it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "core/probe.hpp"
#include "probes/common/sweep_group.hpp"

namespace kiln {

// The time a paced probe reads and waits on: the steady clock, or a test's fake one.
struct SweepClock {
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  std::function<void(double seconds)> sleep = [](double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  };
};

// Before each size and each sample (of a collective's size sweep, of mpi_link's streams) all ranks agree, in one
// small reduction, so that all leave at the same point and none waits forever in a collective the others left.
// They stop when any rank's stop was requested (the timeout, a signal), or when the work about to start,
// foreseen from what was measured and taken `margin` times, would end past the deadline.
class DeadlinePacer {
 public:
  DeadlinePacer(SweepGroup& group, const ProbeContext& ctx, std::string operation, double margin = 1.5,
                SweepClock clock = {})
      : group_(group), ctx_(ctx), operation_(std::move(operation)), margin_(margin), clock_(std::move(clock)) {}
  // A new sweep (another collective): `operation` names its calls in the reasons, and its first size is not
  // predicted from the last sweep's.
  void Begin(std::string operation);
  // Before a size: stop when its least work (`iterations` iterations: the warm-up, one per sample) cannot end
  // in time. A sweep's first size is never predicted.
  bool StopBeforeSize(std::uint64_t bytes, int iterations);
  // Before `iterations` more iterations (a sample, or warm-up calls) of `seconds` each, at the size being measured.
  bool StopBeforeSample(double seconds, int iterations);
  // One iteration of `bytes` took `seconds`: what the next size is predicted from.
  void Measured(std::uint64_t bytes, double seconds);
  // All ranks agreed to stop, at the last check.
  bool stopped() const { return stopped_; }
  // The sweep stopped because a rank's stop was requested (timeout or signal), not because it foresaw one.
  bool stop_requested() const { return requested_; }
  // Why it stopped when it was foreseen: "size 256MiB would take about 41s (6 all-reduces at the least); 12s
  // were left of the step's timeout".
  const std::string& why() const { return why_; }

 private:
  bool Agree(double predicted_seconds, const std::string& why);

  SweepGroup& group_;
  const ProbeContext& ctx_;
  std::string operation_;
  double margin_;  // for the forecast's error and for what follows (checking, gathering the results)
  SweepClock clock_;
  std::uint64_t last_bytes_ = 0;
  double last_seconds_ = 0;
  std::uint64_t bytes_ = 0;
  bool stopped_ = false;
  bool requested_ = false;
  std::string why_;
};

}  // namespace kiln
