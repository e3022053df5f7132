#include "runners/watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>
#include <thread>

#include "core/errors.hpp"

namespace kiln {
namespace {

TEST(RunWithDeadline, ReturnsTheOutcomeOfWorkThatFinishes) {
  GuardedOutcome g = RunWithDeadline([](std::stop_token) { return ProbeOutcome::Skipped("why"); }, Seconds(5));
  EXPECT_FALSE(g.timed_out);
  EXPECT_EQ(g.outcome.status, ProbeStatus::kSkipped);
  EXPECT_EQ(g.outcome.reason, "why");
}

TEST(RunWithDeadline, BeatsWhileTheWorkRunsAndNotAfter) {
  std::vector<double> beats;
  std::atomic<bool> release{false};
  GuardedOutcome g = RunWithDeadline(
      [&](std::stop_token) {
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return ProbeOutcome{};
      },
      Seconds(30), Seconds(2), nullptr,
      WatchHooks{[&](Seconds elapsed) {
                   beats.push_back(elapsed.count());
                   if (beats.size() == 3) release = true;  // the work ends after the third beat
                 },
                 Seconds(0.2), nullptr, {}});
  EXPECT_FALSE(g.timed_out);
  ASSERT_GE(beats.size(), 3u);  // a fourth only when the machine is too loaded to end the work at once
  for (std::size_t i = 0; i < beats.size(); ++i) EXPECT_GE(beats[i], 0.2 * static_cast<double>(i + 1) - 1e-3);
}

TEST(RunWithDeadline, ASignalCallsItsHookOnceAndLeavesTheWorkRunning) {
  std::atomic<bool> signal{false}, release{false};
  int calls = 0;
  std::thread raiser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    signal = true;
  });
  GuardedOutcome g = RunWithDeadline(
      [&](std::stop_token stop) {
        while (!release.load() && !stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return ProbeOutcome::Skipped(stop.stop_requested() ? "stopped" : "finished");
      },
      Seconds(30), Seconds(2), nullptr,
      WatchHooks{{}, Seconds(10), &signal, [&] {
                   ++calls;
                   std::this_thread::sleep_for(std::chrono::milliseconds(300));  // stays set: no second call
                   release = true;
                 }});
  raiser.join();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(g.interrupted);
  EXPECT_EQ(g.outcome.reason, "finished");  // not stopped: it ended on its own
}

TEST(RunWithDeadline, TurnsExceptionsIntoErrors) {
  GuardedOutcome g = RunWithDeadline(
      [](std::stop_token) -> ProbeOutcome { throw ProbeError("cannot allocate 1TiB"); }, Seconds(5));
  EXPECT_EQ(g.outcome.status, ProbeStatus::kError);
  EXPECT_EQ(g.outcome.reason, "cannot allocate 1TiB");
}

TEST(RunWithDeadline, StopsCooperativeWorkAtTheDeadline) {
  GuardedOutcome g = RunWithDeadline(
      [](std::stop_token stop) {
        while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return ProbeOutcome{};
      },
      Seconds(0.2));
  EXPECT_TRUE(g.timed_out);
  EXPECT_FALSE(g.abandoned);
  EXPECT_EQ(g.outcome.status, ProbeStatus::kError);
  EXPECT_NE(g.outcome.reason.find("timed out"), std::string::npos) << g.outcome.reason;
  EXPECT_LT(g.elapsed.count(), 2.0);
}

TEST(RunWithDeadline, AbandonsWorkThatIgnoresTheStopWithoutWaitingForIt) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto start = std::chrono::steady_clock::now();
  GuardedOutcome g = RunWithDeadline(
      [release](std::stop_token) {
        while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return ProbeOutcome{};
      },
      Seconds(0.2), Seconds(0.2));
  Seconds waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(g.timed_out);
  EXPECT_TRUE(g.abandoned);
  EXPECT_NE(g.outcome.reason.find("abandoned"), std::string::npos);
  EXPECT_LT(waited.count(), 2.0);
  release->store(true);  // let the abandoned thread end before the test binary does
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace kiln
