// History, drift and the stability report on known data: the numbers must come out as computed by hand.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>

#include "core/drift.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "history/failure_category.hpp"
#include "history/history_db.hpp"
#include "probes/registry.hpp"
#include "history/stability.hpp"
#include "reports/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using nlohmann::json;

std::vector<DriftPoint> Series(int n, double start, double change_per_point, double noise) {
  std::vector<DriftPoint> points;
  for (int i = 0; i < n; ++i) {
    double wobble = noise * ((i * 7919) % 13 - 6) / 6.0;  // deterministic, up to +-noise
    points.push_back({static_cast<double>(i), start * (1 + change_per_point * i) + start * wobble});
  }
  return points;
}

TEST(Drift, SteadyFallIsDriftWhileNoiseIsNot) {
  DriftResult falling = DetectDrift(Series(20, 100, -0.005, 0.005), true);  // -9.5% over 20 days, +-0.5% noise
  EXPECT_TRUE(falling.drifting) << falling.reason;
  EXPECT_NEAR(falling.relative_change, -0.095, 0.01);
  EXPECT_LT(falling.kendall_tau, -0.6);

  DriftResult flat = DetectDrift(Series(20, 100, 0, 0.03), true);  // +-3% noise, no trend
  EXPECT_FALSE(flat.drifting) << flat.reason;
  DriftResult small = DetectDrift(Series(20, 100, -0.001, 0.001), true);  // -1.9%: below the 5% rule
  EXPECT_FALSE(small.drifting) << small.reason;
  DriftResult rising = DetectDrift(Series(20, 100, 0.01, 0.005), true);  // getting better is not drift
  EXPECT_FALSE(rising.drifting);
  DriftResult latency = DetectDrift(Series(20, 2.0, 0.01, 0.002), false);  // latency creeping up is
  EXPECT_TRUE(latency.drifting) << latency.reason;
  DriftResult few = DetectDrift(Series(4, 100, -0.1, 0), true);
  EXPECT_FALSE(few.drifting);
  EXPECT_NE(few.reason.find("needs 5"), std::string::npos);
}

TEST(Drift, OneBadDayIsNotATrend) {
  std::vector<DriftPoint> points = Series(15, 100, 0, 0.005);
  points[7].value = 40;  // one outlier
  EXPECT_FALSE(DetectDrift(points, true).drifting);
}

TEST(FailureCategory, MapsProbesToTheCategoriesSeenAtScale) {
  auto category = [](std::string probe, std::string metric, Outcome outcome = Outcome::kFail) {
    Verdict v;
    v.probe = std::move(probe);
    v.metric = std::move(metric);
    v.outcome = outcome;
    return FailureCategory(v, ProbeRegistry::Default().Catalog());
  };
  EXPECT_EQ(category("gpu_stress", "gpu.stress.tflops"), "GPU");
  EXPECT_EQ(category("gpu_stress", "gpu.stress.wrong_elements"), "silent data corruption");
  EXPECT_EQ(category("hbm_bandwidth", "gpu.hbm.copy_bw"), "HBM");
  EXPECT_EQ(category("health", "health.gpu_remap_failed"), "HBM");
  EXPECT_EQ(category("health", "health.gpu_xid_fatal"), "GPU");
  EXPECT_EQ(category("health", "health.gpu_nvlinks_active"), "NVLink");
  EXPECT_EQ(category("p2p_bandwidth", "gpu.p2p.bandwidth"), "NVLink");
  EXPECT_EQ(category("pcie", "gpu.pcie.h2d_bw"), "PCIe");
  EXPECT_EQ(category("ib_link", "ib.write.bw"), "network");
  EXPECT_EQ(category("host_stream", "host.stream.triad_bw"), "host");
  EXPECT_EQ(category("mpi_allreduce", "", Outcome::kError), "software");
}

// The category is the probe's to declare: a probe the history has never heard of counts where it says.
TEST(FailureCategory, ComesFromTheProbesDeclaration) {
  ProbeCatalog catalog(1);
  catalog[0].probe = "widget";
  catalog[0].traits.failure_category = "NVLink";
  catalog[0].traits.metric_categories = {{"ecc", "HBM"}};
  Verdict v;
  v.probe = "widget";
  v.metric = "widget.bandwidth";
  v.outcome = Outcome::kFail;
  EXPECT_EQ(FailureCategory(v, catalog), "NVLink");
  v.metric = "widget.ecc_errors";
  EXPECT_EQ(FailureCategory(v, catalog), "HBM");
  v.metric = "widget.wrong_bytes";
  EXPECT_EQ(FailureCategory(v, catalog), "silent data corruption");
  v.probe = "gizmo";  // not in the catalog
  v.metric = "gizmo.rate";
  EXPECT_EQ(FailureCategory(v, catalog), "host");
}

// A sweep of three nodes on day `day`: n1 always fine; n2 fails host_stream on the days in `n2_fails`;
// n3's bandwidth falls 1% a day and its GPU serial changes from day 6 (a replaced node).
std::string Sweep(int day, bool n2_fails) {
  RunRecord r;
  r.kiln_version = "test";
  r.run_id = fmt::format("run{}", day);
  r.started = fmt::format("2026-11-{:02}T06:00:00Z", day);
  r.finished = fmt::format("2026-11-{:02}T06:10:00Z", day);
  r.cluster = "c1";
  r.suite_name = "quick";
  for (const char* node : {"n1", "n2", "n3"}) {
    json inventory = {{"system_serial", std::string("S-") + node}, {"board_serial", ""},
                      {"gpus", {{"devices", json::array({{{"serial", std::string(node) == "n3" && day >= 6 ? "G-new" : "G-old"}}})}}}};
    r.nodes.push_back({node, {0}, inventory});
  }
  auto add = [&](const std::string& node, double value, bool fail) {
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node(node),
                                             {value}, true, "test"));
    Verdict v;
    v.probe = "host_stream";
    v.metric = v.series = "host.stream.triad_bw";
    v.subject = Subject::Node(node);
    v.outcome = fail ? Outcome::kFail : Outcome::kPass;
    v.reason = fail ? "below the floor" : "ok";
    v.value = value;
    r.verdicts.push_back(v);
  };
  add("n1", 100, false);
  add("n2", n2_fails ? 10 : 100, n2_fails);
  add("n3", 100 * (1 - 0.01 * day), false);
  return BuildReport(r).dump(2);
}

class StabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = (dir_.path() / "history.db").string();
    HistoryDb db(db_path_);
    for (int day = 1; day <= 10; ++day) {
      bool n2_fails = day == 3 || day == 4 || day == 8;
      std::string content = Sweep(day, n2_fails);
      std::string path = dir_.Write(fmt::format("r{}.json", day), content);
      ASSERT_TRUE(db.Add(json::parse(content), content, path, ProbeRegistry::Default().Catalog()));
    }
  }
  testing::TempDir dir_;
  std::string db_path_;
};

TEST_F(StabilityTest, AvailabilityEventsMtbfCategoriesReplacementsAndDrift) {
  HistoryDb db(db_path_);
  json s = BuildStabilityReport(db, {"2026-11-01T00:00:00Z", "", "", "", {}});
  EXPECT_EQ(s["schema"], kStabilitySchema);
  EXPECT_EQ(s["fleet"]["sweeps"], 10);
  EXPECT_EQ(s["fleet"]["nodes"], 3);
  std::map<std::string, json> nodes;
  for (const json& n : s["nodes"]) nodes[n["node"]] = n;
  EXPECT_DOUBLE_EQ(nodes["n1"]["availability"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(nodes["n2"]["availability"].get<double>(), 0.7);  // failed 3 of 10 sweeps
  EXPECT_EQ(nodes["n2"]["failure_events"], 2);                        // days 3-4 are one event, day 8 another
  EXPECT_NEAR(nodes["n2"]["observed_hours"].get<double>(), 9 * 24, 1e-6);
  EXPECT_NEAR(nodes["n2"]["mtbf_hours"].get<double>(), 9 * 24 / 2.0, 1e-6);
  EXPECT_NEAR(s["fleet"]["mtbf_hours"].get<double>(), 3 * 9 * 24 / 2.0, 1e-6);  // 648 node-hours, 2 events
  EXPECT_NEAR(s["fleet"]["mean_availability"].get<double>(), (1 + 0.7 + 1) / 3, 1e-9);
  ASSERT_EQ(s["failures_by_category"].size(), 1u);
  EXPECT_EQ(s["failures_by_category"][0]["category"], "host");
  EXPECT_EQ(s["failures_by_category"][0]["failures"], 3);
  ASSERT_EQ(s["replacements"].size(), 1u);
  EXPECT_EQ(s["replacements"][0]["node"], "n3");
  EXPECT_EQ(s["replacements"][0]["at"], "2026-11-06T06:10:00Z");
  ASSERT_EQ(s["trends"].size(), 1u);  // n3 loses 1% a day while passing its floor every time
  EXPECT_EQ(s["trends"][0]["subject"], "n3");
  EXPECT_NEAR(s["trends"][0]["drift"]["relative_change"].get<double>(), -0.0909, 0.001);

  // A later window sees only what is in it.
  json late = BuildStabilityReport(db, {"2026-11-05T00:00:00Z", "2026-11-07T23:59:59Z", "", "", {}});
  EXPECT_EQ(late["fleet"]["sweeps"], 3);
  EXPECT_EQ(late["fleet"]["failure_events"], 0);
  EXPECT_TRUE(late["fleet"]["mtbf_hours"].is_null());
  EXPECT_NE(RenderStabilityHtml(s).find("<td>n2</td>"), std::string::npos);
  EXPECT_NE(RenderStabilityText(s).find("70.0%"), std::string::npos);
}

TEST_F(StabilityTest, HistorySeriesFilterAndDriftFlags) {
  HistoryDb db(db_path_);
  json series = HistorySeries(db, {"", "", "n3", "host.stream.*", {}});
  ASSERT_EQ(series["series"].size(), 1u);
  EXPECT_EQ(series["series"][0]["points"].size(), 10u);
  EXPECT_TRUE(series["series"][0]["drift"]["drifting"].get<bool>());
  json all = HistorySeries(db, {"", "", "", "", {}});
  EXPECT_EQ(all["series"].size(), 3u);
  std::string text = RenderHistoryText(all, true);
  EXPECT_NE(text.find("n3 host.stream.triad_bw"), std::string::npos);
  EXPECT_EQ(text.find("n1 host.stream"), std::string::npos);
}

TEST_F(StabilityTest, SameReportTwiceIsStoredOnceAndTheFileIsWal) {
  HistoryDb db(db_path_);
  std::string content = ReadFile((dir_.path() / "r1.json").string());
  EXPECT_FALSE(db.Add(json::parse(content), content, "r1.json", ProbeRegistry::Default().Catalog()));
  EXPECT_EQ(db.Sweeps("", "").size(), 10u);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST_F(StabilityTest, OutcomesAreStoredAsReportsSpellThemAndAnUnknownOneIsNamed) {
  {
    HistoryDb db(db_path_, HistoryDb::Access::kQuery);
    json s = BuildStabilityReport(db, {});
    ASSERT_EQ(s["sweeps"].size(), 10u);
    EXPECT_EQ(s["sweeps"][0]["outcome"], "partial");  // no acceptance rule judged
    EXPECT_EQ(s["sweeps"][2]["outcome"], "fail");     // day 3: n2 failed
    EXPECT_EQ(s["fleet"]["healthy_sweeps"], 7);
  }
  auto set = [&](const char* sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  };
  auto error = [&] {
    HistoryDb db(db_path_, HistoryDb::Access::kQuery);
    try {
      BuildStabilityReport(db, {});
    } catch (const InputError& e) {
      EXPECT_EQ(e.exit_code(), kExitBadInput);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  set("UPDATE node_sweeps SET outcome = 'mostly fine' WHERE node = 'n2'");
  std::string node = error();
  EXPECT_NE(node.find("unknown outcome 'mostly fine'"), std::string::npos) << node;
  EXPECT_NE(node.find(db_path_), std::string::npos) << node;
  set("UPDATE sweeps SET outcome = 'bogus' WHERE id = 1");
  std::string sweep = error();
  EXPECT_NE(sweep.find("unknown run outcome 'bogus'"), std::string::npos) << sweep;
  EXPECT_NE(sweep.find(db_path_), std::string::npos) << sweep;
}

TEST(HistoryDb, RefusesAFileThatIsNotAHistoryAndBadDates) {
  testing::TempDir dir;
  std::string junk = dir.Write("junk.db", std::string(4096, 'x'));
  EXPECT_THROW(HistoryDb db(junk), InputError);
  // Somebody else's SQLite database: refused, and nothing of Kiln's is added to it.
  std::string other = (dir.path() / "other.db").string();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE inventory(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  try {
    HistoryDb db(other);
    ADD_FAILURE() << "an unrelated database was taken for a history";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Kiln history"), std::string::npos) << e.what();
  }
  ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(raw, "SELECT count(*) FROM sqlite_master WHERE name='sweeps'", -1, &count, nullptr);
  sqlite3_step(count);
  EXPECT_EQ(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(raw);
  // A mistyped path to query is an error, not a new empty history.
  std::string typo = (dir.path() / "histroy.db").string();
  EXPECT_THROW(HistoryDb db(typo, HistoryDb::Access::kQuery), InputError);
  EXPECT_FALSE(std::filesystem::exists(typo));
  EXPECT_EQ(NormalizeTimestamp("2026-11-01", "--since"), "2026-11-01T00:00:00Z");
  EXPECT_THROW(NormalizeTimestamp("yesterday", "--since"), InputError);
  EXPECT_THROW(NormalizeTimestamp("2026-11-01 06:00", "--since"), InputError);
}

}  // namespace
}  // namespace kiln
