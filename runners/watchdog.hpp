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

// What the waiting thread does while the work runs, besides waiting.
struct WatchHooks {
  std::function<void(Seconds)> heartbeat;  // called with the time elapsed, every `heartbeat_every`
  Seconds heartbeat_every{10};
  // Work that must not be stopped (it is inside a collective with other ranks) is left running on a signal;
  // `on_signal` is called once when `*signal` is set, so that what is done can be saved in time.
  const std::atomic<bool>* signal = nullptr;
  std::function<void()> on_signal;
  // Readable once `*signal` is set: a HangWatch sleeps on it until its next deadline. Without it, `*signal` is
  // polled every 100 ms (a wake-up that costs a busy-polling collective on a full node measurably).
  int signal_fd = -1;
};

// Why work was stopped: "interrupted after 3s" (a signal) or "timed out after 32s (limit 30s)".
std::string StopReason(bool interrupted, Seconds elapsed, Seconds timeout);

// Runs `work` with a stop token. Past `timeout`, or once `*interrupt` is set (checked every 100 ms), the
// token is stopped; the work then has `grace` to return before it is abandoned. Exceptions from `work`
// become an error outcome with their message. The hooks run on the calling thread.
GuardedOutcome RunWithDeadline(std::function<ProbeOutcome(std::stop_token)> work, Seconds timeout,
                               Seconds grace = Seconds(2), const std::atomic<bool>* interrupt = nullptr,
                               const WatchHooks& hooks = {});

}  // namespace kiln
