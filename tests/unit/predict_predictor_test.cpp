// The predictor on small hand-built fleets: healthy noise stays quiet, each precursor alerts with its evidence,
// and a replay cut short at any time gives the same alerts up to the cut (causality).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <climits>
#include <set>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

// Samples of a few nodes: 8 GPU temperatures every 30 min (deterministic wobble), counters as the test adds them.
class Fleet {
 public:
  explicit Fleet(int nodes, int days) : nodes_(nodes), end_(kStart + days * kDay) {}

  void Temperatures(const std::string& hot_node = "", int hot_gpu = -1, std::int64_t hot_from = 0) {
    for (int n = 0; n < nodes_; ++n) {
      std::string node = Node(n);
      for (std::int64_t t = kStart; t < end_; t += 1800) {
        if (Silent(node, t)) continue;
        bool busy = (t / (5 * kHour)) % 3 != 0;  // jobs come and go: all GPUs of a node together
        for (int g = 0; g < 8; ++g) {
          double temperature = (busy ? 68 : 38) + g % 3 + static_cast<double>((t / 1800 * 7 + g * 13) % 5) - 2;
          if (node == hot_node && g == hot_gpu && t > hot_from)
            temperature += static_cast<double>(t - hot_from) / kHour * 0.15;
          Add(t, node, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), temperature);
        }
      }
    }
  }
  // A counter that rises by `step` every `every` seconds in [from, to), sampled when it changes.
  void Counter(const std::string& node, const std::string& metric, const std::string& labels, std::int64_t from,
               std::int64_t to, std::int64_t every, double step, double start_value = 0) {
    Add(kStart, node, metric, labels, start_value);
    double value = start_value;
    for (std::int64_t t = from; t < to; t += every) {
      value += step;
      if (!Silent(node, t)) Add(t, node, metric, labels, value);
    }
  }
  void Add(std::int64_t t, const std::string& node, const std::string& metric, const std::string& labels, double v) {
    lines_.push_back(fmt::format(R"({{"t": {}, "node": "{}", "metric": "{}", "labels": {}, "value": {}}})", t, node,
                                 metric, labels, v));
    times_.push_back(t);
  }
  void Silence(const std::string& node, std::int64_t from, std::int64_t to) { silent_.push_back({node, from, to}); }

  std::vector<Alert> Alerts(std::int64_t cut = INT64_MAX) const {
    Replay replay;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (times_[i] <= cut) replay.AddLine(lines_[i], "fleet", static_cast<int>(i + 1));
    }
    replay.Sort();
    return Predict(replay);
  }
  static std::string Node(int n) { return fmt::format("gn{:02}", n); }

 private:
  struct Gap {
    std::string node;
    std::int64_t from, to;
  };
  bool Silent(const std::string& node, std::int64_t t) const {
    for (const Gap& gap : silent_) {
      if (gap.node == node && t >= gap.from && t < gap.to) return true;
    }
    return false;
  }
  int nodes_;
  std::int64_t end_;
  std::vector<std::string> lines_;
  std::vector<std::int64_t> times_;
  std::vector<Gap> silent_;
};

const char* kGpu2 = R"({"gpu": "2", "UUID": "GPU-2"})";
const char* kPort = R"({"device": "mlx5_1", "port": "1"})";

std::string Describe(const std::vector<Alert>& alerts) {
  std::string text;
  for (const Alert& a : alerts) text += fmt::format("{} {} {} {}: {}\n", a.t, a.node, a.rule, a.device, a.reason);
  return text;
}

TEST(PredictPredictor, HealthyNoiseRaisesNothing) {
  Fleet fleet(4, 12);
  fleet.Silence("gn01", kStart + 3 * kDay, kStart + 3 * kDay + 10 * kHour);  // an exporter gap
  fleet.Temperatures();
  // One-off ECC burst; a reboot that resets the counters; a cable reseat (link down once, a burst of errors);
  // a trickle of correctable errors that this GPU always has; application XIDs.
  fleet.Counter("gn00", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kGpu2, kStart + 4 * kDay, kStart + 4 * kDay + 1800, 600, 150);
  fleet.Counter("gn01", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kGpu2, kStart + kHour, kStart + 12 * kDay, 3 * kHour, 1, 500);
  fleet.Add(kStart + 6 * kDay, "gn01", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kGpu2, 3);  // reset to (almost) 0
  fleet.Counter("gn02", "node_infiniband_link_downed_total", kPort, kStart + 5 * kDay, kStart + 5 * kDay + 1, 1, 1);
  fleet.Counter("gn02", "node_infiniband_symbol_error_total", kPort, kStart + 5 * kDay, kStart + 5 * kDay + 3000, 300,
                80);
  for (int i = 0; i < 6; ++i)
    fleet.Add(kStart + (2 + i) * kDay, "gn03", "DCGM_FI_DEV_XID_ERRORS", kGpu2, i % 2 ? 13 : 43);
  EXPECT_EQ(Describe(fleet.Alerts()), "");
}

TEST(PredictPredictor, GrowingEccWithAPendingRemapAlertsNamingTheGpu) {
  Fleet fleet(3, 10);
  fleet.Temperatures();
  fleet.Counter("gn01", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kGpu2, kStart + 5 * kDay, kStart + 10 * kDay, 2 * kHour, 2);
  fleet.Add(kStart + 6 * kDay, "gn01", "DCGM_FI_DEV_ROW_REMAP_PENDING", kGpu2, 1);
  std::vector<Alert> alerts = fleet.Alerts();
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts.front().node, "gn01");
  EXPECT_EQ(alerts.front().rule, "ecc");
  EXPECT_EQ(alerts.front().device, "gpu=2");
  EXPECT_NE(alerts.front().reason.find("a row remap pending"), std::string::npos) << alerts.front().reason;
  EXPECT_GE(alerts.front().t, kStart + 6 * kDay);
  EXPECT_LE(alerts.front().t, kStart + 6 * kDay + 2 * kHour);  // at the next evaluation after the corroboration
  for (const Alert& alert : alerts) EXPECT_EQ(alert.node, "gn01");
  // Said again while it holds, at most every 6 h: one episode, not one line a sample.
  for (std::size_t i = 1; i < alerts.size(); ++i) EXPECT_GE(alerts[i].t - alerts[i - 1].t, 6 * kHour);
  EXPECT_EQ(AlertToJson(alerts.front())["labels"]["gpu"], "2");
}

TEST(PredictPredictor, GrowingSymbolErrorsAndACoolingDriftAlert) {
  Fleet fleet(3, 10);
  fleet.Temperatures("gn02", 5, kStart + 5 * kDay);
  fleet.Counter("gn00", "node_infiniband_symbol_error_total", kPort, kStart + 4 * kDay, kStart + 10 * kDay, kHour, 25);
  std::vector<Alert> alerts = fleet.Alerts();
  std::set<std::string> seen;
  for (const Alert& alert : alerts) seen.insert(alert.node + " " + alert.rule + " " + alert.device + " " + alert.risk);
  // The port was clean for 4 days before its errors began: "onset" names that too.
  EXPECT_EQ(seen, (std::set<std::string>{"gn00 ib_symbol device=mlx5_1,port=1 link",
                                         "gn00 onset device=mlx5_1,port=1 link", "gn02 cooling gpu=5 gpu"}))
      << Describe(alerts);
}

TEST(PredictPredictor, AReplayCutShortGivesTheSameAlertsUpToTheCut) {
  Fleet fleet(4, 9);
  fleet.Temperatures("gn03", 1, kStart + 4 * kDay);
  fleet.Counter("gn00", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", kGpu2, kStart + 3 * kDay, kStart + 9 * kDay, 3 * kHour, 40);
  fleet.Counter("gn01", "node_infiniband_symbol_error_total", kPort, kStart + 2 * kDay, kStart + 9 * kDay, 1800, 20);
  fleet.Counter("gn02", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kGpu2, kStart + 4 * kDay, kStart + 9 * kDay, kHour, 12);
  std::vector<Alert> full = fleet.Alerts();
  ASSERT_GE(full.size(), 8u) << Describe(full);
  for (std::int64_t cut = kStart + 2 * kDay + 1234; cut < kStart + 9 * kDay; cut += 17 * kHour + 77) {
    std::vector<Alert> expected;
    for (const Alert& alert : full) {
      if (alert.t <= cut) expected.push_back(alert);
    }
    EXPECT_EQ(Describe(fleet.Alerts(cut)), Describe(expected)) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace kiln::predict
