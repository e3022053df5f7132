// A GPU failing now is the failure, not a warning of it (predict/predictor.hpp, terminal_hold_hours): a fourth
// generator (bench/predict_fleet_fourth.py) and the hold-out one keep a failed node exporting for hours (its drain),
// and alerts raised there came after the failure they foretold. A terminal XID (79: fallen off the bus) opens no
// episode for two days or until the node is repaired; an episode already open goes on. A row remap failure alerts only
// when it is new, not while its gauge stays at 1 after the GPU was repaired or from before the replay began.

#include <gtest/gtest.h>

#include <set>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"
#include "tests/support/predict_lines.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

// One node, one GPU, a temperature every 30 min (its heartbeat) for `days`, less the hours of `silent`.
class Node {
 public:
  explicit Node(int days, std::pair<std::int64_t, std::int64_t> silent = {0, 0}) {
    for (std::int64_t t = kStart; t < kStart + days * kDay; t += 1800) {
      if (t >= silent.first && t < silent.second) continue;
      Add(t, "DCGM_FI_DEV_GPU_TEMP", 60);
    }
  }
  void Add(std::int64_t t, const std::string& metric, double value) { lines_.Add(t, metric, R"({"gpu": "0"})", value); }
  std::vector<Alert> Alerts(const PredictorOptions& options = {}) { return lines_.Alerts(options); }

 private:
  testing::PredictLines lines_;
};

std::set<std::string> Rules(const std::vector<Alert>& alerts, std::int64_t from = 0) {
  std::set<std::string> rules;
  for (const Alert& alert : alerts) {
    if (alert.t >= from) rules.insert(alert.rule + " " + alert.device);
  }
  return rules;
}

constexpr const char* kXid = "DCGM_FI_DEV_XID_ERRORS";
constexpr const char* kRemapFailure = "DCGM_FI_DEV_ROW_REMAP_FAILURE";

// A GSP timeout (XID 119), then two hours later the GPU falls off the bus (79): the second hardware XID in 48 h.
std::vector<Alert> FallsOffTheBus(const PredictorOptions& options) {
  Node node(5);
  const std::int64_t fault = kStart + 3 * kDay;
  node.Add(kStart, kXid, 0);
  node.Add(fault, kXid, 119);
  node.Add(fault + 2 * kHour, kXid, 79);
  return node.Alerts(options);
}

TEST(PredictDrain, AGpuFallingOffTheBusOpensNoEpisode) {
  EXPECT_EQ(Rules(FallsOffTheBus({})), std::set<std::string>{});
  PredictorOptions no_hold;  // the rule before: the fault's own XID is its second, and an alert after it
  no_hold.terminal_hold_hours = 0;
  EXPECT_EQ(Rules(FallsOffTheBus(no_hold)), std::set<std::string>{"xid gpu=0"});
}

TEST(PredictDrain, AnEpisodeAlreadyOpenGoesOnThroughTheFailure) {
  // Two GSP XIDs a day before (an alert, re-raised while they hold), then the GPU falls off the bus and its row
  // remapping fails: the failure's evidence is said too, within the episode.
  Node node(5);
  const std::int64_t warning = kStart + 2 * kDay, fault = warning + 20 * kHour;
  node.Add(kStart, kXid, 0);
  node.Add(kStart, kRemapFailure, 0);
  node.Add(warning, kXid, 119);
  node.Add(warning + kHour, kXid, 120);
  node.Add(fault, kXid, 79);
  node.Add(fault, kRemapFailure, 1);
  std::vector<Alert> alerts = node.Alerts();
  EXPECT_EQ(Rules(alerts, warning), (std::set<std::string>{"remap gpu=0", "xid gpu=0"}));
  EXPECT_EQ(Rules(alerts, fault), (std::set<std::string>{"remap gpu=0", "xid gpu=0"}));
}

TEST(PredictDrain, ARowRemapFailureStillSetAfterTheRepairIsNotNew) {
  // Row remapping fails while nothing else was seen (the failure: no alert), the node is down for 10 h (repaired),
  // and the gauge still reads 1 for the three days after: the old fault, not a new one.
  const std::int64_t fault = kStart + 2 * kDay;
  Node node(6, {fault + 2 * kHour, fault + 12 * kHour});
  node.Add(kStart, kRemapFailure, 0);
  node.Add(fault, kRemapFailure, 1);
  for (std::int64_t t = fault + 12 * kHour; t < kStart + 6 * kDay; t += kHour) node.Add(t, kRemapFailure, 1);
  EXPECT_EQ(Rules(node.Alerts()), std::set<std::string>{});
  PredictorOptions no_hold;  // without the hold, only the failure's own hours alert: never the repaired GPU
  no_hold.terminal_hold_hours = 0;
  std::vector<Alert> alerts = node.Alerts(no_hold);
  EXPECT_EQ(Rules(alerts), std::set<std::string>{"remap gpu=0"});
  EXPECT_EQ(Rules(alerts, fault + 12 * kHour), std::set<std::string>{});
}

TEST(PredictDrain, ARowRemapFailureSetBeforeTheReplayBeganIsNotNew) {
  Node node(4);
  for (std::int64_t t = kStart; t < kStart + 4 * kDay; t += kHour) node.Add(t, kRemapFailure, 1);
  PredictorOptions no_hold;
  no_hold.terminal_hold_hours = 0;
  EXPECT_EQ(Rules(node.Alerts(no_hold)), std::set<std::string>{});
}

}  // namespace
}  // namespace kiln::predict
