#pragma once
// Runs a step's work on its own thread under a deadline, so a probe that hangs cannot hang the run.

#include <atomic>
#include <functional>
#include <stop_token>

#include "core/probe.hpp"
#include "core/units.hpp"

namespace kiln {

struct GuardedOutcome {
  ProbeOutcome outcome;
  Seconds elapsed{0};
  bool timed_out = false;
  // The work ignored the stop request and still runs; its thread is left behind (and anything it
  // uses must stay alive: capture it by shared_ptr).
  bool abandoned = false;
  bool interrupted = false;  // stopped early because `interrupt` was set
};

// Runs `work` with a stop token. Past `timeout`, or once `*interrupt` is set (checked every 100 ms), the
// token is stopped; the work then has `grace` to return before it is abandoned. Exceptions from `work`
// become an error outcome with their message. While it runs, `heartbeat` (when set) is called with the time
// elapsed every `heartbeat_every`.
GuardedOutcome RunWithDeadline(std::function<ProbeOutcome(std::stop_token)> work, Seconds timeout,
                               Seconds grace = Seconds(2), const std::atomic<bool>* interrupt = nullptr,
                               const std::function<void(Seconds)>& heartbeat = {},
                               Seconds heartbeat_every = Seconds(10));

}  // namespace kiln
