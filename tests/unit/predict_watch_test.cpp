// The pieces of `kiln watch` without the loop: sysfs InfiniBand and EDAC counters (hostile files skipped, never
// blocking),
// the replay lines it appends (changed series only, each again after the keep-alive; every XID event one event for
// `kiln predict`), the textfile's escaping.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "predict/edac_counters.hpp"
#include "predict/ib_counters.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"
#include "predict/watch_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln::predict {
namespace {

TEST(PredictWatch, ReadsNodeExporterNamedCountersAndSkipsWhatIsNotACounterFile) {
  testing::TempDir dir;
  std::string port = "sys/class/infiniband/mlx5_0/ports/1/counters/";
  dir.Write(port + "symbol_error", "17\n");
  dir.Write(port + "port_rcv_errors", "3\n");
  dir.Write(port + "port_xmit_data", "999\n");  // traffic: not collected
  dir.Write("sys/class/infiniband/mlx5_1/ports/1/counters/symbol_error", "-4\n");  // not a counter's text
  std::string fifo = (dir.path() / "sys/class/infiniband/mlx5_1/ports/1/counters/link_downed").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);  // would block a reader that opened it plainly
  std::vector<Reading> readings = ReadIbCounters((dir.path() / "sys").string());
  ASSERT_EQ(readings.size(), 2u);
  EXPECT_EQ(readings[0].metric, "node_infiniband_port_errors_received_total");
  EXPECT_EQ(readings[0].value, 3);
  EXPECT_EQ(readings[1].metric, "node_infiniband_symbol_error_total");
  EXPECT_EQ(readings[1].labels, (std::vector<std::pair<std::string, std::string>>{{"device", "mlx5_0"}, {"port", "1"}}));
  EXPECT_TRUE(readings[1].counter);
  EXPECT_TRUE(ReadIbCounters((dir.path() / "absent").string()).empty());
}

TEST(PredictWatch, ReadsEdacCountersPerControllerAndRowAsNodeExporterNamesThem) {
  testing::TempDir dir;
  std::string mc = "sys/devices/system/edac/mc/";
  dir.Write(mc + "mc0/ce_count", "12\n");
  dir.Write(mc + "mc0/ue_count", "0\n");
  dir.Write(mc + "mc0/csrow1/ce_count", "9\n");
  dir.Write(mc + "mc0/csrow1/ue_count", "garbage\n");  // not a counter's text: skipped
  dir.Write(mc + "mc0/power/ce_count", "5\n");         // not a row
  dir.Write(mc + "mcx/ce_count", "5\n");               // not a controller
  dir.Write(mc + "mc1/ue_count", "2\n");
  std::string fifo = (dir.path() / mc / "mc1/ce_count").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);  // would block a reader that opened it plainly
  std::vector<Reading> readings = ReadEdacCounters((dir.path() / "sys").string());
  ASSERT_EQ(readings.size(), 4u);
  using Labels = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(readings[0].metric, "node_edac_correctable_errors_total");
  EXPECT_EQ(readings[0].labels, (Labels{{"controller", "0"}}));
  EXPECT_EQ(readings[0].value, 12);
  EXPECT_TRUE(readings[0].counter);
  EXPECT_EQ(readings[1].metric, "node_edac_uncorrectable_errors_total");
  EXPECT_EQ(readings[2].metric, "node_edac_csrow_correctable_errors_total");
  EXPECT_EQ(readings[2].labels, (Labels{{"controller", "0"}, {"csrow", "1"}}));
  EXPECT_EQ(readings[2].value, 9);
  EXPECT_EQ(readings[3].metric, "node_edac_uncorrectable_errors_total");
  EXPECT_EQ(readings[3].labels, (Labels{{"controller", "1"}}));
  EXPECT_TRUE(ReadEdacCounters((dir.path() / "absent").string()).empty());
  // What the collector writes, the predictor reads as the host memory of controller 0.
  WatchLog log("gn1");
  Replay replay;
  std::istringstream lines(log.ReplayLines(1767225600, readings));
  int number = 0;
  for (std::string line; std::getline(lines, line);) replay.AddLine(line, "samples.jsonl", ++number);
  EXPECT_EQ(number, 4);
  EXPECT_EQ(replay.lines_ignored(), 0);
}

TEST(PredictWatch, WritesASeriesWhenItChangesOrTheKeepAliveIsDue) {
  WatchLog log("gn01", 3600);
  std::vector<Reading> readings = {{"node_infiniband_symbol_error_total", {{"device", "mlx5_0"}, {"port", "1"}}, 5, true}};
  std::string first = log.ReplayLines(1000, readings);
  EXPECT_EQ(first,
            R"({"labels":{"device":"mlx5_0","port":"1"},"metric":"node_infiniband_symbol_error_total","node":"gn01",)"
            R"("t":1000,"value":5})" "\n");
  EXPECT_EQ(log.ReplayLines(1001, readings), "");
  readings[0].value = 6;
  EXPECT_NE(log.ReplayLines(1002, readings).find(R"("value":6)"), std::string::npos);
  EXPECT_EQ(log.ReplayLines(4601, readings), "");
  EXPECT_NE(log.ReplayLines(4602, readings), "");  // an hour after it was last written
  log.Forget();                                    // a write failed: everything again
  EXPECT_NE(log.ReplayLines(4603, readings), "");
  // The lines are a replay `kiln predict` reads.
  Replay replay;
  replay.AddLine(first.substr(0, first.size() - 1), "samples.jsonl", 1);
  ASSERT_EQ(replay.samples().size(), 1u);
  EXPECT_EQ(replay.series()[0].device, "device=mlx5_0,port=1");
}

TEST(PredictWatch, TextfileGroupsEachMetricAndEscapesLabelValues) {
  std::vector<Reading> readings = {{"DCGM_FI_DEV_GPU_TEMP", {{"gpu", "0"}}, 41, false},
                                   {"node_infiniband_link_downed_total", {{"device", "m\"x\\\n"}, {"port", "1"}}, 2, true},
                                   {"DCGM_FI_DEV_GPU_TEMP", {{"gpu", "1"}}, 43.5, false}};
  std::string text = RenderTextfile(77, readings);
  EXPECT_NE(text.find("# TYPE DCGM_FI_DEV_GPU_TEMP gauge\nDCGM_FI_DEV_GPU_TEMP{gpu=\"0\"} 41\n"
                      "DCGM_FI_DEV_GPU_TEMP{gpu=\"1\"} 43.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("node_infiniband_link_downed_total{device=\"m\\\"x\\\\\\n\",port=\"1\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kiln_watch_last_reading_timestamp_seconds 77\n"), std::string::npos);
}

Reading Xid(double code, bool event) { return {"DCGM_FI_DEV_XID_ERRORS", {{"gpu", "1"}}, code, false, event}; }

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    lines.push_back(text.substr(at, end - at));
  }
  return lines;
}

TEST(PredictWatch, EveryXidEventIsOneEventForThePredictorEvenWhenItsCodeRepeats) {
  WatchLog log("gn01");
  std::string lines = log.ReplayLines(1000, {Xid(0, false)});  // watched, no XID yet: the gauge's 0
  lines += log.ReplayLines(1001, {Xid(119, true)});               // an event
  lines += log.ReplayLines(1002, {Xid(119, false)});              // none since: the gauge holds 119, unwritten
  lines += log.ReplayLines(1003, {Xid(119, true), Xid(119, true)});  // the same XID twice: 0 before each
  std::vector<std::string> written = SplitLines(lines);
  std::vector<std::string> values;
  for (const std::string& line : written) values.push_back(line.substr(line.find("\"value\":") + 8));
  EXPECT_EQ(values, (std::vector<std::string>{"0}", "119}", "0}", "119}", "0}", "119}"})) << lines;
  // kiln predict counts a change to a hardware XID: three here, so its rule (two within 48 h) fires at the node's
  // next evaluation, an hour on.
  Replay replay;
  int number = 0;
  for (const std::string& line : written) replay.AddLine(line, "samples.jsonl", ++number);
  replay.AddLine(R"({"t": 4700, "node": "gn01", "metric": "DCGM_FI_DEV_GPU_TEMP", "labels": {"gpu": "1"}, "value": 40})",
                 "samples.jsonl", ++number);
  replay.Sort();
  std::vector<Alert> alerts = Predict(replay);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "xid");
  EXPECT_EQ(alerts[0].device, "gpu=1");
  EXPECT_EQ(alerts[0].evidence["events"], 3) << alerts[0].evidence.dump();
}

TEST(PredictWatch, AnEventAfterAFailedWriteStillCountsAsNew) {
  WatchLog log("gn01");
  log.ReplayLines(1000, {Xid(79, true)});
  log.Forget();  // that write failed, or did not: the file's last value is not known
  EXPECT_EQ(SplitLines(log.ReplayLines(1001, {Xid(79, true)})).size(), 2u);  // 0, then 79
}

TEST(PredictWatch, TheTextfileHoldsASeriesOnceWithItsLastEvent) {
  std::string text = RenderTextfile(5, {Xid(79, true), Xid(48, true)});
  EXPECT_NE(text.find("DCGM_FI_DEV_XID_ERRORS{gpu=\"1\"} 48\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("} 79"), std::string::npos) << text;
}

}  // namespace
}  // namespace kiln::predict
