#pragma once
// Keeps time for work that runs on the calling thread: the thread that initialised MPI, and the only one that
// calls it. A watcher thread, which never calls MPI, gives the heartbeats and requests a stop at the step's
// timeout. If the calling thread still has not disarmed it by the hang deadline, it takes that thread as stuck
// inside a collective (a peer that never arrives) and calls `on_hang`, which must end the process: a thread stuck
// in MPI cannot be stopped, and no other thread may call MPI to move the job on.

#include <atomic>
#include <functional>
#include <stop_token>
#include <thread>

#include "core/units.hpp"
#include "runners/watchdog.hpp"

namespace kiln {

class HangWatch {
 public:
  // From now: `stop_after` requests the stop; `hang_after` (later) calls on_hang(elapsed) on the watcher thread.
  HangWatch(Seconds stop_after, Seconds hang_after, WatchHooks hooks, std::function<void(Seconds)> on_hang);
  ~HangWatch();  // disarms
  HangWatch(const HangWatch&) = delete;
  HangWatch& operator=(const HangWatch&) = delete;

  std::stop_token token() const { return stop_.get_token(); }
  bool stop_requested() const { return stop_.stop_requested(); }
  // The stop came from hooks.signal (with no on_signal hook, a signal stops the work), not from the timeout.
  bool stopped_by_signal() const { return stopped_by_signal_.load(); }
  // The work is over: no stop, no hang from now on. Returns the time since the watch started.
  Seconds Disarm();

 private:
  void Watch();

  std::chrono::steady_clock::time_point start_;
  Seconds stop_after_, hang_after_;
  WatchHooks hooks_;
  std::function<void(Seconds)> on_hang_;
  std::stop_source stop_;
  std::atomic<bool> stopped_by_signal_{false};
  std::atomic<bool> disarmed_{false};
  // The watcher sleeps in poll() until its next deadline; Disarm writes this eventfd to wake it. No periodic
  // wake-ups: on a node whose cores are all busy polling in a collective, each one costs it time.
  int wake_fd_ = -1;
  std::thread watcher_;
};

}  // namespace kiln
