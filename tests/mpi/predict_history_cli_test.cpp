// Kiln's own signals through the binary (issue 27 item 7): ten daily sweeps of four nodes, each an edited copy of a
// real H100 report, with one node's HBM bandwidth falling from the sixth sweep on. `kiln history --replay` turns
// the history into a replay that `kiln predict` reads, and `kiln report --stability` lists that node as at risk.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/files.hpp"
#include "reports/report.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using nlohmann::json;
using testing::RealReportPath;

// The real report's one node ("vm") copied as n1..n4; n3's HBM bandwidths scaled by `n3_hbm` (every sample).
RunRecord Sweep(const RunRecord& real, int day, double n3_hbm) {
  RunRecord r = real;
  r.run_id = fmt::format("sweep{}", day);
  r.started = fmt::format("2026-11-{:02}T06:00:00Z", day);
  r.finished = fmt::format("2026-11-{:02}T06:20:00Z", day);
  r.nodes.clear();
  r.measurements.clear();
  r.verdicts.clear();
  r.steps.clear();
  for (const char* node : {"n1", "n2", "n3", "n4"}) {
    NodeRecord n = real.nodes.at(0);
    n.name = node;
    r.nodes.push_back(n);
    for (Measurement m : real.measurements) {
      if (m.subject.kind == SubjectKind::kGroup) continue;
      m.subject.nodes = {node};
      if (std::string(node) == "n3" && m.metric.starts_with("hbm.") && m.unit == "GB/s") {
        for (double& s : m.samples) s *= n3_hbm;
        m = MakeMeasurement(m.probe, m.metric, m.unit, m.subject, m.samples, m.higher_is_better, m.method, m.labels);
      }
      r.measurements.push_back(m);
    }
    for (Verdict v : real.verdicts) {
      if (v.subject.kind == SubjectKind::kGroup) continue;
      v.subject.nodes = {node};
      r.verdicts.push_back(v);
    }
  }
  return r;
}

std::vector<json> Lines(const std::string& path) {
  std::vector<json> lines;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

TEST(PredictHistoryCli, AGpuWhoseHbmFallsInTheHistoryIsPredictedAndListedAtRisk) {
  testing::TempDir dir;
  const RunRecord real = RecordFromReport(LoadReport(RealReportPath("h100-x1.json")), "h100-x1.json");
  std::string db = (dir.path() / "history.db").string();
  std::vector<std::string> add{"history", "--db", db, "--add"};
  for (int day = 1; day <= 10; ++day) {
    add.push_back(dir.Write(fmt::format("sweep{}.json", day), BuildReport(Sweep(real, day, day >= 6 ? 0.85 : 1.0)).dump(2)));
  }
  auto added = testing::RunKiln(add);
  ASSERT_EQ(added.exit_code, 0) << added.output;

  std::string replay = (dir.path() / "kiln.jsonl").string();
  auto exported = testing::RunKiln({"history", "--db", db, "--replay", replay});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("-> " + replay), std::string::npos) << exported.output;
  bool hbm = false;
  for (const json& line : Lines(replay)) {
    if (line["metric"] != "kiln_hbm_copy_bw_bytes_per_second" || line["node"] != "n1") continue;
    hbm = true;
    EXPECT_EQ(line["labels"]["device"], "gpu0");
    EXPECT_EQ(line["labels"]["gpu"], "0");
    EXPECT_GT(line["value"].get<double>(), 1e12);  // bytes per second, as metrics.prom gives it
  }
  EXPECT_TRUE(hbm);

  std::string out = (dir.path() / "predict").string();
  auto predicted = testing::RunKiln({"predict", "--replay", replay, "--out", out});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  std::vector<json> alerts = Lines(out + "/alerts.jsonl");
  ASSERT_FALSE(alerts.empty()) << predicted.output;
  for (const json& a : alerts) {
    EXPECT_EQ(a["node"], "n3");
    EXPECT_EQ(a["risk"], "gpu");
    EXPECT_EQ(a["rule"], "performance_drift");
    EXPECT_EQ(a["labels"]["device"], "gpu0");
    EXPECT_TRUE(a["evidence"]["metric"].get<std::string>().starts_with("kiln_hbm_")) << a.dump();
  }
  // Low at sweeps 6 and 7: the first alert comes with the seventh sweep's finish.
  EXPECT_EQ(alerts.front()["t"], static_cast<std::int64_t>(*UtcSeconds("2026-11-07T06:20:00Z")));

  auto text = testing::RunKiln({"report", "--stability", "--since", "2026-11-01", "--db", db, "--format", "text"});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("nodes at risk: 1"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("at risk: n3 device=gpu0,gpu=0 (gpu, performance_drift)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("kiln_hbm_copy_bw_bytes_per_second fell"), std::string::npos) << text.output;
  std::string html = (dir.path() / "stability.html").string();
  auto rendered = testing::RunKiln({"report", "--stability", "--since", "2026-11-01", "--db", db, "--format", "html",
                                    "-o", html});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  EXPECT_NE(ReadFile(html).find(R"(<h2>Nodes at risk</h2>)"), std::string::npos);
  EXPECT_NE(ReadFile(html).find(R"(<td class="bad">n3</td>)"), std::string::npos);
  // Before the fall, nothing is at risk.
  auto early = testing::RunKiln({"report", "--stability", "--since", "2026-11-01", "--until", "2026-11-06T00:00:00Z",
                                 "--db", db, "--format", "json"});
  ASSERT_EQ(early.exit_code, 0) << early.output;
  EXPECT_TRUE(json::parse(early.output)["at_risk"].empty()) << early.output;

  auto folder = testing::RunKiln({"history", "--db", db, "--replay", dir.path().string()});
  EXPECT_EQ(folder.exit_code, 2) << folder.output;
}

}  // namespace
}  // namespace kiln
