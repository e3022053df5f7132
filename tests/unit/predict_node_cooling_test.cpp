// A node-wide cooling fault against the fleet (predict/node_cooling.hpp), from the independent generator's finding 4
// (cases/thermal_node_wide_drift.jsonl): all 8 GPUs of one node drift from 68 C to 90 C over 4 days. Its twins: heat
// that the whole fleet shares (the room), and heat that several nodes share at once (a rack's cooling), never alert;
// nor does a node whose jobs often run it hotter than the fleet (its habit).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "predict/node_cooling.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

// 8 nodes of 8 GPUs, every 30 min for 11 days, near 68 C at load. `extra(node, t)` adds to all GPUs of a node.
template <typename Extra>
std::vector<Alert> Fleet(Extra extra, const PredictorOptions& options = {}) {
  Replay replay;
  int line = 0;
  for (std::int64_t t = kStart; t < kStart + 11 * kDay; t += 1800) {
    for (int n = 0; n < 8; ++n) {
      for (int g = 0; g < 8; ++g) {
        double wobble = static_cast<double>((t / 1800 * 7 + g * 13 + n * 5) % 3) - 1;
        double temperature = 64 + n % 3 + g % 4 + wobble + extra(n, t);
        replay.AddLine(fmt::format(R"({{"t": {}, "node": "gn{}", "metric": "DCGM_FI_DEV_GPU_TEMP", )"
                                   R"("labels": {{"gpu": "{}"}}, "value": {}}})",
                                   t, n, g, temperature),
                       "case", ++line);
      }
    }
  }
  replay.Sort();
  return Predict(replay, options);
}

std::set<std::string> NodesAlerted(const std::vector<Alert>& alerts) {
  std::set<std::string> nodes;
  for (const Alert& alert : alerts) nodes.insert(alert.node + " " + alert.rule);
  return nodes;
}

double Ramp(std::int64_t t, std::int64_t from, std::int64_t to, double degrees) {
  if (t < from || t >= to) return 0;
  return degrees * static_cast<double>(t - from) / static_cast<double>(to - from);
}

TEST(PredictNodeCooling, AWholeNodeDriftingHotterThanTheFleetAlerts) {
  std::int64_t from = kStart + 6 * kDay, to = kStart + 10 * kDay;
  std::vector<Alert> alerts = Fleet([&](int n, std::int64_t t) { return n == 3 ? Ramp(t, from, to, 22) : 0.0; });
  ASSERT_EQ(NodesAlerted(alerts), std::set<std::string>{"gn3 node_cooling"});
  EXPECT_LT(alerts.front().t, to - 24 * kHour);  // a day before the end of the drift, at least
  EXPECT_GE(alerts.front().evidence["node_median"].get<double>(), 78.0) << alerts.front().reason;
}

TEST(PredictNodeCooling, HeatTheWholeFleetSharesDoesNotAlert) {
  std::int64_t from = kStart + 6 * kDay;
  EXPECT_EQ(NodesAlerted(Fleet([&](int, std::int64_t t) {
              return t >= from && t < from + 2 * kDay ? 14.0 : 0.0;
            })),
            std::set<std::string>{});
}

TEST(PredictNodeCooling, HeatThatSeveralNodesShareAtOnceDoesNotAlert) {
  // A rack's cooling lost for two days: four nodes of the eight, ramping up within 3 h.
  std::int64_t from = kStart + 6 * kDay, to = from + 2 * kDay;
  EXPECT_EQ(NodesAlerted(Fleet([&](int n, std::int64_t t) {
              return n < 4 && t >= from && t < to ? 16.0 * std::min<double>(1.0, double(t - from) / (3 * kHour)) : 0.0;
            })),
            std::set<std::string>{});
}

TEST(PredictNodeCooling, ANodeHotterThanTheFleetButFarFromSlowdownDoesNotAlert) {
  std::int64_t from = kStart + 6 * kDay, to = kStart + 10 * kDay;
  EXPECT_EQ(NodesAlerted(Fleet([&](int n, std::int64_t t) { return n == 3 ? Ramp(t, from, to, 9) : 0.0; })),
            std::set<std::string>{});
}

// A node whose jobs load it harder than the rest of the fleet's (a third generator's nodes of GPUs that heat faster
// under load): 16 C hotter for two days out of every four. It is its habit: the first heavy job has none to be
// judged by (too little of the past is seen), the later ones are within it.
TEST(PredictNodeCooling, ANodeWhoseJobsOftenRunItHotterIsItsHabit) {
  auto heavy = [](int n, std::int64_t t) { return n == 3 && (t - kStart) / (2 * kDay) % 2 == 1 ? 16.0 : 0.0; };
  EXPECT_EQ(NodesAlerted(Fleet(heavy)), std::set<std::string>{});
  PredictorOptions no_habit;  // the rule before: each heavy job beyond a day alerts
  no_habit.node_cooling.min_above_habit = -1000;
  no_habit.node_cooling.min_habit_hours = 0;
  EXPECT_EQ(NodesAlerted(Fleet(heavy, no_habit)), std::set<std::string>{"gn3 node_cooling"});
}

}  // namespace
}  // namespace kiln::predict
