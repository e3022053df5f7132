#include "runners/hang_watch.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {
namespace {

// Waits up to `limit` for `condition`, in short sleeps.
template <typename Condition>
bool Eventually(Condition condition, Seconds limit = Seconds(10)) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(limit);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(HangWatch, RequestsTheStopAtTheTimeoutAndCallsNothingOnceDisarmed) {
  std::atomic<int> hangs{0};
  HangWatch watch(Seconds(0.1), Seconds(30), {}, [&](Seconds) { ++hangs; });
  std::stop_token token = watch.token();
  EXPECT_FALSE(token.stop_requested());
  ASSERT_TRUE(Eventually([&] { return token.stop_requested(); }));
  Seconds elapsed = watch.Disarm();
  EXPECT_GE(elapsed.count(), 0.1);
  EXPECT_LT(elapsed.count(), 30);
  EXPECT_EQ(hangs.load(), 0);
}

TEST(HangWatch, WorkStillThereAtTheHangDeadlineIsHandedToOnHangOnce) {
  std::atomic<int> hangs{0};
  std::atomic<double> at{0};
  HangWatch watch(Seconds(0.05), Seconds(0.3), {}, [&](Seconds elapsed) {
    at = elapsed.count();
    ++hangs;
  });
  ASSERT_TRUE(Eventually([&] { return hangs.load() > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  watch.Disarm();
  EXPECT_EQ(hangs.load(), 1);
  EXPECT_GE(at.load(), 0.3);
  EXPECT_TRUE(watch.stop_requested()) << "the stop comes first";
}

TEST(HangWatch, DisarmedInTimeItNeverStopsNorHangs) {
  std::atomic<int> hangs{0};
  {
    HangWatch watch(Seconds(5), Seconds(10), {}, [&](Seconds) { ++hangs; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(watch.stop_requested());
  }  // the destructor disarms at once, without waiting for the deadlines
  EXPECT_EQ(hangs.load(), 0);
}

TEST(HangWatch, BeatsAndCallsTheSignalHookOnceWhileTheWorkRuns) {
  std::vector<double> beats;
  std::mutex beats_mutex;
  std::atomic<bool> signal{false};
  std::atomic<int> signalled{0};
  WatchHooks hooks{[&](Seconds elapsed) {
                     std::lock_guard lock(beats_mutex);
                     beats.push_back(elapsed.count());
                   },
                   Seconds(0.1), &signal, [&] { ++signalled; }};
  HangWatch watch(Seconds(30), Seconds(60), hooks, [](Seconds) {});
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(beats_mutex);
    return beats.size() >= 2;
  }));
  signal = true;
  ASSERT_TRUE(Eventually([&] { return signalled.load() > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  watch.Disarm();
  EXPECT_EQ(signalled.load(), 1);
  std::lock_guard lock(beats_mutex);
  for (std::size_t i = 0; i < beats.size(); ++i) EXPECT_GE(beats[i], 0.1 * static_cast<double>(i + 1) - 1e-3);
}

TEST(HangWatch, ASignalWithoutAHookStopsTheWorkAndSaysSo) {
  std::atomic<bool> signal{false};
  WatchHooks hooks;
  hooks.signal = &signal;
  HangWatch watch(Seconds(30), Seconds(60), hooks, [](Seconds) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(watch.stop_requested());
  signal = true;
  ASSERT_TRUE(Eventually([&] { return watch.stop_requested(); }));
  EXPECT_TRUE(watch.stopped_by_signal());
  watch.Disarm();
}

TEST(HangWatch, ASignalAnnouncedOnItsEventfdWakesTheWatch) {
  std::atomic<bool> signal{false};
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(fd, 0);
  std::atomic<int> signalled{0};
  WatchHooks hooks;
  hooks.signal = &signal;
  hooks.signal_fd = fd;
  hooks.on_signal = [&] { ++signalled; };
  {
    HangWatch watch(Seconds(30), Seconds(60), hooks, [](Seconds) {});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(signalled.load(), 0);
    signal = true;  // as the signal handler does: the flag, then the eventfd
    std::uint64_t one = 1;
    ASSERT_EQ(::write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    ASSERT_TRUE(Eventually([&] { return signalled.load() > 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(signalled.load(), 1) << "once, though the eventfd stays readable";
  ::close(fd);
}

TEST(HangWatch, AStopAtTheTimeoutIsNotASignal) {
  HangWatch watch(Seconds(0.05), Seconds(60), {}, [](Seconds) {});
  ASSERT_TRUE(Eventually([&] { return watch.stop_requested(); }));
  EXPECT_FALSE(watch.stopped_by_signal());
}

}  // namespace
}  // namespace kiln
