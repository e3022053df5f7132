#include "runners/hang_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <system_error>

namespace kiln {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration Ticks(Seconds s) { return std::chrono::duration_cast<Clock::duration>(s); }

}  // namespace

HangWatch::HangWatch(Seconds stop_after, Seconds hang_after, WatchHooks hooks, std::function<void(Seconds)> on_hang)
    : start_(Clock::now()),
      stop_after_(stop_after),
      hang_after_(std::max(hang_after, stop_after)),
      hooks_(std::move(hooks)),
      on_hang_(std::move(on_hang)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for a step's watch");
  watcher_ = std::thread([this] { Watch(); });
}

HangWatch::~HangWatch() {
  Disarm();
  ::close(wake_fd_);
}

Seconds HangWatch::Disarm() {
  if (!disarmed_.exchange(true)) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
  }
  if (watcher_.joinable()) watcher_.join();
  return Clock::now() - start_;
}

void HangWatch::Watch() {
  const auto stop_at = start_ + Ticks(stop_after_);
  const auto hang_at = start_ + Ticks(hang_after_);
  auto next_beat = start_ + Ticks(hooks_.heartbeat_every);
  bool signal_seen = false;
  while (!disarmed_.load()) {
    auto now = Clock::now();
    if (now >= hang_at) {
      on_hang_(now - start_);  // ends the process; should it return, the watch simply stops
      return;
    }
    if (now >= stop_at && !stop_.stop_requested()) stop_.request_stop();
    if (hooks_.heartbeat && now >= next_beat) {
      next_beat += Ticks(hooks_.heartbeat_every);
      hooks_.heartbeat(now - start_);
      continue;
    }
    const bool watch_signal = !signal_seen && hooks_.signal != nullptr;
    if (watch_signal && hooks_.signal->load()) {
      signal_seen = true;
      if (hooks_.on_signal) {
        hooks_.on_signal();
      } else {
        if (!stop_.stop_requested()) stopped_by_signal_ = true;
        stop_.request_stop();
      }
      continue;
    }
    // Sleep until the next thing to do: the stop, the hang, a heartbeat, a signal, or Disarm.
    auto wake = std::min(hang_at, stop_.stop_requested() ? hang_at : stop_at);
    if (hooks_.heartbeat) wake = std::min(wake, next_beat);
    if (watch_signal && hooks_.signal_fd < 0) wake = std::min(wake, now + std::chrono::milliseconds(100));
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {hooks_.signal_fd, POLLIN, 0}};
    const nfds_t count = watch_signal && hooks_.signal_fd >= 0 ? 2 : 1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    ::poll(fds, count, static_cast<int>(std::clamp<long long>(left, 0, 3'600'000)));
  }
}

}  // namespace kiln
