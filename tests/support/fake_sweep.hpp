#pragma once
// Stand-ins for a paced sweep's surroundings: a clock that moves only when told, a group of ranks simulated from
// rank 0's side, and a collective whose calls take a set time on that clock. A sweep driven by them behaves the
// same on any machine.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/units.hpp"
#include "probes/common/collective_sweep.hpp"
#include "probes/common/deadline_pacer.hpp"
#include "probes/common/sweep_group.hpp"

namespace kiln::testing {

// Seconds on a steady clock that only the test and the fakes advance.
struct FakeTime {
  double now = 1000;  // not 0: a zero time point is "no deadline"
  static std::chrono::steady_clock::time_point At(double seconds) {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds)));
  }
  SweepClock Clock() {
    return {[this] { return At(now); }, [this](double seconds) { now += seconds; }};
  }
};

// Rank `rank` of `size`, the other ranks simulated: they are `others_slower` times slower, vote `others_vote`,
// and found `others_wrong` wrong elements in all.
struct FakeGroup final : SweepGroup {
  int rank = 0, size = 4;
  double others_slower = 1;
  int others_vote = 0;
  std::int64_t others_wrong = 0;
  int votes = 0;  // agreements asked for
  int Rank() const override { return rank; }
  int Size() const override { return size; }
  double MaxSeconds(double seconds) override { return std::max(seconds, seconds * others_slower); }
  int MaxVote(int value) override {
    ++votes;
    return std::max(value, others_vote);
  }
  std::int64_t SumOnRoot(std::int64_t count) override { return count + others_wrong; }
};

// A collective whose call of `bytes` takes seconds_per_call(bytes) of the fake time. Records what it was asked.
struct FakeCollective final : SweepCollective {
  FakeTime& time;
  std::function<double(std::uint64_t bytes)> seconds_per_call;
  std::uint64_t skip_below = 0;            // smaller sizes: kSkip
  std::uint64_t end_above = UINT64_MAX;    // larger sizes: kEndSweep
  std::int64_t wrong = 0;                  // what CountWrong returns
  std::vector<std::uint64_t> prepared;     // sizes prepared, in order
  std::vector<int> batches;                // iterations of each timed batch, in order
  int clears = 0, checks = 0;
  std::uint64_t current = 0;

  FakeCollective(FakeTime& t, std::function<double(std::uint64_t)> per_call)
      : time(t), seconds_per_call(std::move(per_call)) {}
  SizePlan Plan(std::uint64_t size) const override {
    SizePlan plan{SizePlan::Fit::kRun, size, static_cast<double>(size), FormatBytes(size), ", fake detail"};
    if (size < skip_below) plan.fit = SizePlan::Fit::kSkip;
    if (size > end_above) plan.fit = SizePlan::Fit::kEndSweep;
    return plan;
  }
  void Prepare(const SizePlan& plan) override {
    prepared.push_back(plan.asked);
    current = plan.asked;
  }
  double TimeIterations(int iterations) override {
    batches.push_back(iterations);
    double seconds = seconds_per_call(current);
    time.now += seconds * iterations;
    return seconds;
  }
  void ClearOutput() override { ++clears; }
  std::int64_t CountWrong() override {
    ++checks;
    return wrong;
  }
};

}  // namespace kiln::testing
