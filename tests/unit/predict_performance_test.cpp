// Kiln's own signals through the predictor (predict/performance_drift): sweeps of a small fleet, one measurement per
// GPU or link a sweep. A GPU falling against its past and its peers alerts with its evidence; a fleet-wide drop, a
// noisy but flat GPU and a single slow sweep do not; a history cut short gives a prefix of the same alerts.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <climits>
#include <functional>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"
#include "reports/renderers.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kStart = 1767225600;
constexpr const char* kHbm = "kiln_hbm_copy_bw_bytes_per_second";

// The value of node n's GPU g at sweep d, as a factor of 3 TB/s: +-0.5% of deterministic wobble by default.
using Shape = std::function<double(int n, int g, int d)>;

double Wobble(int n, int g, int d) { return 0.005 * (((n * 31 + g * 17 + d * 7) % 11) - 5) / 5.0; }

class Sweeps {
 public:
  Sweeps(int nodes, int days, Shape shape) {
    for (int d = 0; d < days; ++d) {
      for (int n = 0; n < nodes; ++n) {
        for (int g = 0; g < 2; ++g) {
          Add(kStart + d * kDay, Node(n), kHbm, fmt::format(R"({{"device": "gpu{}", "gpu": "{}"}})", g, g),
              3e12 * (1 + Wobble(n, g, d)) * shape(n, g, d));
        }
      }
    }
  }
  void Add(std::int64_t t, const std::string& node, const std::string& metric, const std::string& labels, double v) {
    lines_.push_back(fmt::format(R"({{"t": {}, "node": "{}", "metric": "{}", "labels": {}, "value": {}}})", t, node,
                                 metric, labels, v));
    times_.push_back(t);
  }
  std::vector<Alert> Alerts(std::int64_t cut = INT64_MAX) const {
    Replay replay;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (times_[i] <= cut) replay.AddLine(lines_[i], "sweeps", static_cast<int>(i + 1));
    }
    replay.Sort();
    return Predict(replay);
  }
  static std::string Node(int n) { return fmt::format("n{}", n); }

 private:
  std::vector<std::string> lines_;
  std::vector<std::int64_t> times_;
};

double Flat(int, int, int) { return 1; }

TEST(PredictPerformance, AGpuFallingAgainstItsPastAndItsPeersAlertsWithItsEvidence) {
  // n3's GPU 1 loses 12% from sweep 10 on (an HBM stack degrading); everything else stays where it was.
  Sweeps sweeps(6, 16, [](int n, int g, int d) { return n == 3 && g == 1 && d >= 10 ? 0.88 : 1.0; });
  std::vector<Alert> alerts = sweeps.Alerts();
  ASSERT_FALSE(alerts.empty());
  for (const Alert& a : alerts) {
    EXPECT_EQ(a.node, "n3");
    EXPECT_EQ(a.device, "device=gpu1,gpu=1");
    EXPECT_EQ(a.risk, "gpu");
    EXPECT_EQ(a.rule, "performance_drift");
  }
  // Low at sweeps 10 and 11: 2 of the last 3 at sweep 11, not before (one slow sweep is no trend).
  EXPECT_EQ(alerts.front().t, kStart + 11 * kDay);
  const Alert& first = alerts.front();
  EXPECT_NE(first.reason.find(kHbm), std::string::npos) << first.reason;
  // The reason names the measurement, its median before, now, and the fleet's now.
  for (const char* key : {"before", "now", "fleet_now"}) {
    std::string shown = fmt::format("{:.4g}", first.evidence[key].get<double>());
    EXPECT_NE(first.reason.find(shown), std::string::npos) << key << " " << shown << " in " << first.reason;
  }
  EXPECT_NEAR(first.evidence["now"].get<double>(), 0.88 * 3e12, 0.01 * 3e12);
  EXPECT_NEAR(first.evidence["fleet_now"].get<double>(), 3e12, 0.01 * 3e12);
  EXPECT_NEAR(first.evidence["before"].get<double>(), 3e12, 0.01 * 3e12);
  EXPECT_NEAR(first.evidence["change"].get<double>(), -0.12, 0.01);
  EXPECT_NEAR(first.evidence["fleet_change"].get<double>(), 0, 0.01);
  EXPECT_EQ(first.evidence["low_sweeps"], 2);
}

TEST(PredictPerformance, AFleetWideDropDoesNotAlertEvenWhenItRollsOutOverTwoSweeps) {
  // A driver update costs every GPU 10%: all at sweep 10, or half the nodes at 10 and the rest at 11.
  Sweeps at_once(6, 16, [](int, int, int d) { return d >= 10 ? 0.9 : 1.0; });
  EXPECT_TRUE(at_once.Alerts().empty());
  Sweeps rolling(6, 16, [](int n, int, int d) { return d >= (n < 3 ? 10 : 11) ? 0.9 : 1.0; });
  EXPECT_TRUE(rolling.Alerts().empty());
}

TEST(PredictPerformance, ANoisyButFlatGpuAndASingleSlowSweepDoNotAlert) {
  // n2's GPU 0 swings +-8% from sweep to sweep around its usual level; n4's GPU 1 is 20% slow in one sweep only.
  Sweeps sweeps(6, 20, [](int n, int g, int d) {
    if (n == 2 && g == 0) return 1 + 0.08 * (((d * 5) % 7) - 3) / 3.0;
    return n == 4 && g == 1 && d == 12 ? 0.8 : 1.0;
  });
  EXPECT_TRUE(sweeps.Alerts().empty());
}

TEST(PredictPerformance, TooFewPeersOrTooShortAPastJudgeNothing) {
  // Two nodes (three GPUs besides each one, but the drop begins before any has a past of its own).
  Sweeps young(6, 5, [](int n, int, int d) { return n == 1 && d >= 2 ? 0.7 : 1.0; });
  EXPECT_TRUE(young.Alerts().empty());
  Sweeps lonely(1, 16, [](int, int g, int d) { return g == 1 && d >= 10 ? 0.7 : 1.0; });  // one peer only
  EXPECT_TRUE(lonely.Alerts().empty());
}

TEST(PredictPerformance, AHistoryCutShortGivesAPrefixOfTheSameAlerts) {
  Sweeps sweeps(6, 20, [](int n, int g, int d) {
    double f = n == 3 && g == 1 && d >= 10 ? 0.88 : 1.0;
    return n == 5 && g == 0 && d >= 14 ? 0.8 : f;
  });
  std::vector<Alert> all = sweeps.Alerts();
  ASSERT_GE(all.size(), 2u);
  for (int d = 0; d < 20; ++d) {
    std::int64_t cut = kStart + d * kDay;
    std::vector<Alert> part = sweeps.Alerts(cut);
    std::vector<Alert> expected;
    for (const Alert& a : all) {
      if (a.t <= cut) expected.push_back(a);
    }
    ASSERT_EQ(part.size(), expected.size()) << "cut at sweep " << d;
    for (std::size_t i = 0; i < part.size(); ++i) {
      EXPECT_EQ(part[i].t, expected[i].t);
      EXPECT_EQ(part[i].node, expected[i].node);
      EXPECT_EQ(part[i].device, expected[i].device);
      EXPECT_EQ(part[i].reason, expected[i].reason);
    }
  }
}

TEST(PredictPerformance, ALinkFallingAlertsAsALinkPerPeerAndRail) {
  Sweeps sweeps(0, 0, Flat);
  for (int d = 0; d < 14; ++d) {
    for (int n = 0; n < 6; ++n) {
      for (int rail = 0; rail < 2; ++rail) {
        double v = 400e9 * (1 + Wobble(n, rail, d)) * (n == 2 && rail == 1 && d >= 9 ? 0.7 : 1.0);
        sweeps.Add(kStart + d * kDay, Sweeps::Node(n), "kiln_ib_write_bw_bits_per_second",
                   fmt::format(R"({{"peer": "{}", "rail": "{}", "cluster": "c"}})", Sweeps::Node((n + 1) % 6), rail),
                   v);
      }
    }
  }
  std::vector<Alert> alerts = sweeps.Alerts();
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts.front().node, "n2");
  EXPECT_EQ(alerts.front().risk, "link");
  EXPECT_EQ(alerts.front().device, "peer=n3,rail=1");  // cluster is not part of the series' name
  EXPECT_EQ(alerts.front().t, kStart + 10 * kDay);
}

TEST(PredictPerformance, KilnsNamesAreTheNamesMetricsPromGivesItsMeasurements) {
  for (const auto& [metric, unit] : std::vector<std::pair<std::string, std::string>>{
           {"hbm.copy_bw", "GB/s"}, {"hbm.triad_bw", "GB/s"}, {"gpu.stress.tflops", "TFLOPS"}, {"pcie.h2d_bw", "GB/s"}}) {
    EXPECT_EQ(SignalOf(PrometheusMetricName(metric, unit)), Signal::kGpuPerformance) << metric;
  }
  for (const auto& [metric, unit] : std::vector<std::pair<std::string, std::string>>{
           {"ib.write_bw", "Gb/s"}, {"mpi.link.bandwidth", "GB/s"}}) {
    EXPECT_EQ(SignalOf(PrometheusMetricName(metric, unit)), Signal::kLinkPerformance) << metric;
  }
  EXPECT_EQ(SignalOf(PrometheusMetricName("gpu.stress.temperature", "C")), Signal::kUnknown);
  EXPECT_TRUE(IsIdentifyingLabel(Signal::kGpuPerformance, "type"));
  EXPECT_FALSE(IsIdentifyingLabel(Signal::kEccCorrectable, "type"));  // a dcgm series is not split by it
}

}  // namespace
}  // namespace kiln::predict
