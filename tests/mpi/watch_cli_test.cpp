// `kiln watch` through the binary on a fake sysfs (KILN_SYSFS_ROOT) and without NVML: what it appends is a replay
// `kiln predict` reads, the textfile is node_exporter's format, a failed write is reported and retried without
// ending the collector, SIGTERM ends it cleanly, and bad options exit 2.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::RunKiln;

// mlx5_0 port 1 with two counters kiln collects and one it does not (traffic).
void FakePort(const testing::TempDir& dir) {
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/symbol_error", "5\n");
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/link_downed", "1\n");
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/port_xmit_data", "123456\n");
}

testing::CommandResult Watch(const testing::TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {testing::KilnBinary(), "watch"});
  return RunCommand(args, 120,
                    {"KILN_SYSFS_ROOT=" + (dir.path() / "sys").string(), "KILN_NVML_LIBRARY=libnvidia-ml-absent.so"});
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    lines.push_back(text.substr(at, end - at));
  }
  return lines;
}

TEST(WatchCli, AppendsChangedCountersAsAReplayAndWritesTheTextfile) {
  testing::TempDir dir;
  FakePort(dir);
  std::string out = (dir.path() / "watch").string();
  auto r = Watch(dir, {"--out", out, "--interval", "10ms", "--count", "3", "--node", "gn01"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("no GPU counters"), std::string::npos) << r.output;
  // Three readings of two unchanged counters: each written once (a series keeps its value until its next sample).
  std::vector<std::string> lines = Lines(ReadFile(out + "/samples.jsonl"));
  ASSERT_EQ(lines.size(), 2u) << ReadFile(out + "/samples.jsonl");
  EXPECT_NE(lines[1].find(R"("metric":"node_infiniband_symbol_error_total")"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(R"("labels":{"device":"mlx5_0","port":"1"})"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(R"("node":"gn01")"), std::string::npos) << lines[1];
  std::string prom = ReadFile(out + "/kiln-watch.prom");
  EXPECT_NE(prom.find("# TYPE node_infiniband_symbol_error_total counter\n"
                      "node_infiniband_symbol_error_total{device=\"mlx5_0\",port=\"1\"} 5\n"),
            std::string::npos)
      << prom;
  EXPECT_EQ(prom.find("xmit_data"), std::string::npos) << prom;
  // A counter that moved is written again on the next run, appended after the first run's lines.
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/symbol_error", "9\n");
  r = Watch(dir, {"--out", out, "--interval", "10ms", "--count", "2", "--node", "gn01"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  lines = Lines(ReadFile(out + "/samples.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[3].find(R"("value":9)"), std::string::npos) << lines[3];
  // What it wrote is a replay kiln predict reads.
  auto predicted = RunKiln({"predict", "--replay", out + "/samples.jsonl", "--out", (dir.path() / "p").string()});
  EXPECT_EQ(predicted.exit_code, 0) << predicted.output;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_TRUE(entry.path().filename() == "samples.jsonl" || entry.path().filename() == "kiln-watch.prom")
        << "left behind: " << entry.path();
  }
}

TEST(WatchCli, AVanishedPortOrUnreadableCounterIsSkipped) {
  testing::TempDir dir;
  FakePort(dir);
  std::filesystem::create_directories(dir.path() / "sys/class/infiniband/mlx5_1/ports/1/counters/symbol_error");
  dir.Write("sys/class/infiniband/mlx5_2/ports/1/counters/symbol_error", "junk\n");
  std::string out = (dir.path() / "watch").string();
  auto r = Watch(dir, {"--out", out, "--interval", "10ms", "--count", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string samples = ReadFile(out + "/samples.jsonl");
  EXPECT_EQ(Lines(samples).size(), 2u) << samples;
  EXPECT_EQ(samples.find("mlx5_1"), std::string::npos);
  EXPECT_EQ(samples.find("mlx5_2"), std::string::npos);
}

TEST(WatchCli, AFailedWriteIsReportedRetriedAndExitsThreeWithoutEndingTheCollector) {
  testing::TempDir dir;
  FakePort(dir);
  std::string out = (dir.path() / "watch").string();
  std::filesystem::create_directories(out);
  std::filesystem::create_symlink("/dev/full", out + "/samples.jsonl");  // never written through
  auto r = Watch(dir, {"--out", out, "--interval", "10ms", "--count", "3"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(out + "/samples.jsonl"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 readings"), std::string::npos) << r.output;
  EXPECT_NE(ReadFile(out + "/kiln-watch.prom").find("node_infiniband_link_downed_total"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_symlink(out + "/samples.jsonl"));
}

TEST(WatchCli, SigtermEndsItCleanlyWithItsReadingsWritten) {
  testing::TempDir dir;
  FakePort(dir);
  std::string out = (dir.path() / "watch").string();
  // An hour's interval: only the signal can end it. `timeout` passes its exit status on.
  auto r = RunCommand({"timeout", "--preserve-status", "-s", "TERM", "5", testing::KilnBinary(), "watch", "--out",
                       out, "--interval", "1h"},
                      120,
                      {"KILN_SYSFS_ROOT=" + (dir.path() / "sys").string(), "KILN_NVML_LIBRARY=libnvidia-ml-absent.so"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 readings"), std::string::npos) << r.output;
  EXPECT_EQ(Lines(ReadFile(out + "/samples.jsonl")).size(), 2u);
}

TEST(WatchCli, BadOptionsExitTwo) {
  testing::TempDir dir;
  std::string out = (dir.path() / "watch").string();
  for (const char* interval : {"soon", "0s", "1ms"}) {
    auto r = Watch(dir, {"--out", out, "--interval", interval, "--count", "1"});
    EXPECT_EQ(r.exit_code, 2) << interval << ": " << r.output;
    EXPECT_NE(r.output.find("--interval"), std::string::npos) << r.output;
  }
  EXPECT_EQ(Watch(dir, {"--out", "", "--count", "1"}).exit_code, 2);
  EXPECT_EQ(Watch(dir, {"--out", out, "--count", "0"}).exit_code, 2);
  EXPECT_EQ(Watch(dir, {"--out", out, "--node", "", "--count", "1"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace kiln
