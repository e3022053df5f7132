// The pieces of `kiln watch` without the loop: sysfs InfiniBand counters (hostile files skipped, never blocking),
// the replay lines it appends (changed series only, each again after the keep-alive), the textfile's escaping.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "predict/ib_counters.hpp"
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

}  // namespace
}  // namespace kiln::predict
