// The pcie rule counts bursts: a window is active when its largest hour reaches the minimum, so a harmless trickle
// of a few replays at a time does not alert even when many of its events come together (the wrong episode of
// field seed 401 at noise x1, bench/predict_eval_results.txt), while replay bursts every few hours still do.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kStart = 1767225600;

// One GPU's PCIe replay counter, sampled when it changes and every 30 minutes (so the node is evaluated every
// hour): (hours after the start, replays added), in time order.
std::vector<Alert> Alerts(const std::vector<std::pair<double, int>>& events, const PredictorOptions& options = {}) {
  Replay replay;
  int line = 0;
  double value = 0;
  auto add = [&](std::int64_t t, double v) {
    replay.AddLine(fmt::format(R"({{"t": {}, "node": "gn1", "metric": "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", )"
                               R"("labels": {{"gpu": "3"}}, "value": {}}})", t, v),
                   "pcie", ++line);
  };
  std::size_t next = 0;
  for (std::int64_t t = kStart; t <= kStart + 200 * kHour; t += kHour / 2) {
    for (; next < events.size() && kStart + static_cast<std::int64_t>(events[next].first * kHour) < t; ++next) {
      value += events[next].second;
      add(kStart + static_cast<std::int64_t>(events[next].first * kHour), value);
    }
    add(t, value);
  }
  replay.Sort();
  return Predict(replay, options);
}

// A chronic trickle (a few replays every 20 h) and then, on day 4, eight small events in ten hours: the cluster
// of seed 401's gn0021 GPU 3 (+3 +3 +1 +3 | +1 +2 +3 +3), at the same minutes past the hour.
std::vector<std::pair<double, int>> TrickleWithACluster() {
  std::vector<std::pair<double, int>> events;
  for (double h = 5; h < 90; h += 20) events.push_back({h, 2});
  for (const auto& [offset, n] : std::vector<std::pair<double, int>>{
           {0.433, 3}, {1.033, 3}, {3.833, 1}, {4.033, 3}, {7.133, 1}, {7.633, 2}, {8.083, 3}, {8.433, 3}}) {
    events.push_back({100 + offset, n});
  }
  return events;
}

TEST(PredictPcie, ATrickleOfSmallReplaysComingTogetherIsNoBurst) {
  EXPECT_TRUE(Alerts(TrickleWithACluster()).empty());
  // Counted as sums (the rule before), its windows held 10 and 9 replays: two active windows, an alert.
  PredictorOptions sums;
  sums.pcie.largest_hour_only = false;
  sums.chronic_windows = 0;  // nor as a chronic trickle's habit
  EXPECT_FALSE(Alerts(TrickleWithACluster(), sums).empty());
}

TEST(PredictPcie, ReplayBurstsEveryFewHoursStillAlert) {
  std::vector<std::pair<double, int>> events;
  double gap = 8;
  for (double h = 60; h < 110; h += gap, gap = std::max(1.5, gap * 0.85)) events.push_back({h, 12});
  std::vector<Alert> alerts = Alerts(events);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts.front().rule, "pcie");
  EXPECT_LE(alerts.front().t, kStart + 80 * kHour);  // within a day of the first burst
}

}  // namespace
}  // namespace kiln::predict
