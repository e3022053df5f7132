// The history as a replay (history/history_replay) and the stability report's nodes at risk
// (history/stability_risk): names, labels and units as metrics.prom gives them; alerts grouped per node, and
// node names escaped in text and HTML.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "history/history_db.hpp"
#include "history/history_replay.hpp"
#include "history/stability_risk.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using nlohmann::json;

std::string OneSweep() {
  RunRecord r;
  r.kiln_version = "test";
  r.run_id = "run1";
  r.started = "2026-11-02T06:00:00Z";
  r.finished = "2026-11-02T06:10:00Z";
  r.cluster = "c1";
  r.suite_name = "quick";
  for (const char* node : {"a", "b"}) r.nodes.push_back({node, {0}, json()});
  r.measurements.push_back(
      MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", Subject::Device("a", "gpu3"), {700}, true, "t",
                      {{"type", "bf16"}}));
  r.measurements.push_back(
      MakeMeasurement("ib_pairs", "ib.write_bw", "Gb/s", Subject::Pair("a", "b"), {390}, true, "t", {{"rail", "1"}}));
  r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node("b"), {80}, true, "t"));
  r.measurements.push_back(MakeMeasurement("nccl", "nccl.busbw", "GB/s", Subject::Group({"a", "b"}), {300}, true, "t"));
  return BuildReport(r).dump(2);
}

TEST(HistoryReplay, ValuesBecomeReplayLinesNamedAndScaledAsMetricsPromGivesThem) {
  testing::TempDir dir;
  std::string content = OneSweep();
  HistoryDb db((dir.path() / "h.db").string());
  ASSERT_TRUE(db.Add(json::parse(content), content, dir.Write("r.json", content), ProbeRegistry::Default().Catalog()));
  HistoryReplay replay = HistoryReplayLines(db, {});
  EXPECT_EQ(replay.samples, 3);  // the group's value is about no node
  EXPECT_EQ(replay.series, 3);
  std::map<std::string, json> by_metric;
  std::istringstream in(replay.lines);
  for (std::string line; std::getline(in, line);) {
    json sample = json::parse(line);
    by_metric[sample["metric"]] = sample;
    EXPECT_EQ(sample["t"], 1793599800);  // the sweep's finish
  }
  json gemm = by_metric["kiln_gpu_stress_tflops_flops"];
  EXPECT_EQ(gemm["node"], "a");
  EXPECT_EQ(gemm["labels"], json({{"device", "gpu3"}, {"gpu", "3"}, {"type", "bf16"}}));
  EXPECT_DOUBLE_EQ(gemm["value"].get<double>(), 700e12);
  json link = by_metric["kiln_ib_write_bw_bits_per_second"];
  EXPECT_EQ(link["node"], "a");
  EXPECT_EQ(link["labels"], json({{"peer", "b"}, {"rail", "1"}}));
  EXPECT_DOUBLE_EQ(link["value"].get<double>(), 390e9);
  json host = by_metric["kiln_host_stream_triad_bw_bytes_per_second"];
  EXPECT_EQ(host["node"], "b");
  EXPECT_EQ(host["labels"], json::object());
}

TEST(StabilityRisk, AlertsAreGroupedPerNodeDeviceAndMetricAndNamesAreEscaped) {
  auto alert = [](std::int64_t t, const std::string& node, const std::string& metric, const std::string& reason) {
    return json{{"t", t},
                {"node", node},
                {"risk", "gpu"},
                {"rule", "performance_drift"},
                {"reason", reason},
                {"labels", {{"device", "gpu0"}, {"gpu", "0"}}},
                {"evidence", {{"metric", metric}}}};
  };
  json alerts = json::array({alert(1793599800, "n<b>\x1b[31m", "kiln_hbm_copy_bw_bytes_per_second", "first"),
                             alert(1793686200, "n<b>\x1b[31m", "kiln_hbm_copy_bw_bytes_per_second", "second"),
                             alert(1793686200, "n<b>\x1b[31m", "kiln_hbm_read_bw_bytes_per_second", "read"),
                             alert(1793686200, "m1", "kiln_hbm_copy_bw_bytes_per_second", "other")});
  json at_risk = NodesAtRisk(alerts);
  ASSERT_EQ(at_risk.size(), 2u);
  EXPECT_EQ(at_risk[0]["node"], "m1");
  const json& n = at_risk[1];
  EXPECT_EQ(n["alerts"], 3);
  EXPECT_EQ(n["first"], "2026-11-02T06:10:00Z");
  EXPECT_EQ(n["last"], "2026-11-03T06:10:00Z");
  ASSERT_EQ(n["devices"].size(), 2u);  // copy and read bandwidth of one GPU
  EXPECT_EQ(n["devices"][0]["reason"], "second");
  EXPECT_EQ(n["devices"][0]["alerts"], 2);
  EXPECT_EQ(n["devices"][0]["device"], "device=gpu0,gpu=0");
  std::string html = RenderAtRiskHtml(at_risk);
  EXPECT_NE(html.find("n&lt;b&gt;"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  std::string text = RenderAtRiskText(at_risk);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("nodes at risk: 2"), std::string::npos) << text;
  EXPECT_NE(RenderAtRiskHtml(json::array()).find("no node at risk"), std::string::npos);
}

}  // namespace
}  // namespace kiln
