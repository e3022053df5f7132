#include "runners/watchdog.hpp"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace kiln {
namespace {

struct SharedState {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  ProbeOutcome outcome;
  std::stop_source stop;
};

}  // namespace

std::string StopReason(bool interrupted, Seconds elapsed, Seconds timeout) {
  return interrupted ? fmt::format("interrupted after {}", FormatDuration(elapsed))
                     : fmt::format("timed out after {} (limit {})", FormatDuration(elapsed), FormatDuration(timeout));
}

GuardedOutcome RunWithDeadline(std::function<ProbeOutcome(std::stop_token)> work, Seconds timeout,
                               Seconds grace, const std::atomic<bool>* interrupt, const WatchHooks& hooks) {
  auto state = std::make_shared<SharedState>();
  auto start = std::chrono::steady_clock::now();
  std::thread worker([state, work = std::move(work)] {
    ProbeOutcome outcome;
    try {
      outcome = work(state->stop.get_token());
    } catch (const std::exception& e) {
      outcome = ProbeOutcome::Error(e.what());
    } catch (...) {
      outcome = ProbeOutcome::Error("unknown exception");
    }
    std::lock_guard lock(state->mutex);
    state->outcome = std::move(outcome);
    state->done = true;
    state->done_cv.notify_all();
  });

  GuardedOutcome result;
  std::unique_lock lock(state->mutex);
  auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  bool finished = false;
  auto next_beat = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(hooks.heartbeat_every);
  bool signal_seen = false;
  while (!finished && std::chrono::steady_clock::now() < deadline) {
    auto next = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    finished = state->done_cv.wait_until(lock, next, [&] { return state->done; });
    if (!finished && interrupt != nullptr && interrupt->load()) {
      result.interrupted = true;
      break;
    }
    if (!finished && hooks.heartbeat && std::chrono::steady_clock::now() >= next_beat) {
      next_beat += std::chrono::duration_cast<std::chrono::steady_clock::duration>(hooks.heartbeat_every);
      lock.unlock();  // the worker may finish while the line is printed
      hooks.heartbeat(std::chrono::steady_clock::now() - start);
      lock.lock();
      finished = state->done;
    }
    if (!finished && !signal_seen && hooks.signal != nullptr && hooks.signal->load() && hooks.on_signal) {
      signal_seen = true;
      lock.unlock();
      hooks.on_signal();
      lock.lock();
      finished = state->done;
    }
  }
  if (finished) {
    lock.unlock();
    worker.join();
    result.outcome = std::move(state->outcome);
  } else {
    result.timed_out = !result.interrupted;
    state->stop.request_stop();
    auto grace_end = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(grace);
    bool returned = state->done_cv.wait_until(lock, grace_end, [&] { return state->done; });
    lock.unlock();
    if (returned) {
      worker.join();
    } else {
      worker.detach();  // it holds `state` by shared_ptr, so nothing it touches is freed under it
      result.abandoned = true;
    }
    std::string abandoned = result.abandoned ? "; the probe did not stop and was abandoned" : "";
    result.outcome = ProbeOutcome::Error(
        StopReason(result.interrupted, std::chrono::steady_clock::now() - start, timeout) + abandoned);
  }
  result.elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace kiln
