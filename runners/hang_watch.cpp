#include "runners/hang_watch.hpp"

#include <algorithm>
#include <chrono>

namespace kiln {

namespace {
std::chrono::steady_clock::duration Ticks(Seconds s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(s);
}
}  // namespace

HangWatch::HangWatch(Seconds stop_after, Seconds hang_after, WatchHooks hooks, std::function<void(Seconds)> on_hang)
    : start_(std::chrono::steady_clock::now()),
      stop_after_(stop_after),
      hang_after_(std::max(hang_after, stop_after)),
      hooks_(std::move(hooks)),
      on_hang_(std::move(on_hang)) {
  watcher_ = std::thread([this] { Watch(); });
}

HangWatch::~HangWatch() { Disarm(); }

Seconds HangWatch::Disarm() {
  {
    std::lock_guard lock(mutex_);
    disarmed_ = true;
  }
  disarmed_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  return std::chrono::steady_clock::now() - start_;
}

void HangWatch::Watch() {
  const auto stop_at = start_ + Ticks(stop_after_);
  const auto hang_at = start_ + Ticks(hang_after_);
  auto next_beat = start_ + Ticks(hooks_.heartbeat_every);
  bool signal_seen = false;
  std::unique_lock lock(mutex_);
  while (!disarmed_) {
    auto now = std::chrono::steady_clock::now();
    if (now >= hang_at) {
      lock.unlock();
      on_hang_(now - start_);  // ends the process; should it return, the watch simply stops
      return;
    }
    if (now >= stop_at && !stop_.stop_requested()) stop_.request_stop();
    if (hooks_.heartbeat && now >= next_beat) {
      next_beat += Ticks(hooks_.heartbeat_every);
      lock.unlock();
      hooks_.heartbeat(now - start_);
      lock.lock();
      continue;
    }
    if (!signal_seen && hooks_.signal != nullptr && hooks_.signal->load()) {
      signal_seen = true;
      if (!hooks_.on_signal) {
        if (!stop_.stop_requested()) stopped_by_signal_ = true;
        stop_.request_stop();
        continue;
      }
      lock.unlock();
      hooks_.on_signal();
      lock.lock();
      continue;
    }
    auto wake = std::min({now + std::chrono::milliseconds(100), hang_at,
                          stop_.stop_requested() ? hang_at : stop_at});
    disarmed_cv_.wait_until(lock, wake, [this] { return disarmed_; });
  }
}

}  // namespace kiln
