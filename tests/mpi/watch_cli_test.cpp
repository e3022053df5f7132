// `kiln watch` through the binary on a fake sysfs (KILN_SYSFS_ROOT), without NVML and with the fake NVML
// (tests/support/fake_nvml.cpp): what it appends is a replay `kiln predict` reads (GPU counters, XID events each
// counted once), the textfile is node_exporter's format, a GPU that fails mid-run is said once and the collector
// goes on, a failed write is reported and retried without ending the collector, SIGTERM ends it cleanly, and bad
// options exit 2.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/files.hpp"
#include "core/subprocess.hpp"
#include "tests/support/fake_nvml.hpp"
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


TEST(WatchCli, CollectsTheHostsEdacMemoryCountersBesideThePorts) {
  testing::TempDir dir;
  FakePort(dir);
  dir.Write("sys/devices/system/edac/mc/mc0/ce_count", "3\n");
  dir.Write("sys/devices/system/edac/mc/mc0/ue_count", "0\n");
  std::string out = (dir.path() / "watch").string();
  auto r = Watch(dir, {"--out", out, "--interval", "10ms", "--count", "1", "--node", "gn01"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string samples = ReadFile(out + "/samples.jsonl");
  EXPECT_EQ(Lines(samples).size(), 4u) << samples;
  std::size_t at = samples.find(R"({"labels":{"controller":"0"},"metric":"node_edac_correctable_errors_total",)");
  ASSERT_NE(at, std::string::npos) << samples;
  EXPECT_NE(samples.substr(at, samples.find('\n', at) - at).find(R"("value":3})"), std::string::npos) << samples;
  std::string prom = ReadFile(out + "/kiln-watch.prom");
  EXPECT_NE(prom.find("node_edac_correctable_errors_total{controller=\"0\"} 3\n"), std::string::npos) << prom;
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

// The lines of samples.jsonl so far (a line being appended is left out), or none before the file exists.
std::vector<std::string> SampleLines(const std::string& out) {
  std::error_code error;
  if (!std::filesystem::exists(out + "/samples.jsonl", error)) return {};
  return Lines(ReadFile(out + "/samples.jsonl"));
}

// The values of one GPU's metric in samples.jsonl, in file order.
std::vector<double> Values(const std::string& out, const std::string& metric, const std::string& gpu) {
  std::vector<double> values;
  for (const std::string& line : SampleLines(out)) {
    nlohmann::json sample = nlohmann::json::parse(line);
    if (sample["metric"] == metric && sample["labels"].value("gpu", "") == gpu) values.push_back(sample["value"]);
  }
  return values;
}

// Polls until `done` holds; false after two minutes (a collector that hangs, never a slow machine's timing).
bool Eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string TextfileOf(const std::string& out) {
  std::error_code error;
  return std::filesystem::exists(out + "/kiln-watch.prom", error) ? ReadFile(out + "/kiln-watch.prom") : "";
}

// kiln watch running in the background on the fake sysfs and the fake GPUs, every 50 ms, until Stop() interrupts
// it (SIGINT, as at a terminal).
class BackgroundWatch {
 public:
  BackgroundWatch(const testing::TempDir& dir, const testing::FakeNvml& fake, const std::string& out)
      : process_({testing::KilnBinary(), "watch", "--out", out, "--interval", "50ms", "--node", "gn01"}, Env(dir, fake)) {
    process_.InterruptFirst(std::chrono::seconds(30));
  }
  bool SaidWithin(const std::string& text) { return process_.WaitForOutput(text, std::chrono::minutes(2)); }
  ProcessResult Stop() { return process_.Wait(std::chrono::steady_clock::now()); }

 private:
  static std::vector<std::string> Env(const testing::TempDir& dir, const testing::FakeNvml& fake) {
    std::vector<std::string> env = fake.Env();
    env.push_back("KILN_SYSFS_ROOT=" + (dir.path() / "sys").string());
    return env;
  }
  Subprocess process_;
};

// Two fake GPUs with every counter kiln predict reads at 0 (GPU 1 without a PCIe replay counter).
testing::FakeNvml TwoGpus(const testing::TempDir& dir) {
  testing::FakeNvml fake(dir.path() / "nvml-state", 2);
  for (int gpu : {0, 1}) {
    for (const char* key : {"ecc_sbe_volatile", "ecc_dbe_volatile", "remapped_correctable", "remapped_uncorrectable",
                            "remap_pending", "remap_failed"}) {
      fake.Set(gpu, key, 0);
    }
    fake.Set(gpu, "temperature", 40 + static_cast<unsigned long long>(gpu));
  }
  fake.Set(0, "pcie_replay", 0).Write();
  return fake;
}

TEST(WatchCli, FakeGpusCountersAndXidEventsReachTheReplayTheTextfileAndKilnPredict) {
  testing::TempDir dir;
  FakePort(dir);
  testing::FakeNvml fake = TwoGpus(dir);
  std::string out = (dir.path() / "watch").string();
  BackgroundWatch watch(dir, fake, out);
  // The first reading: both GPUs watched for XIDs (the gauge at 0), so the events below come after registration.
  ASSERT_TRUE(Eventually([&] { return Values(out, "DCGM_FI_DEV_XID_ERRORS", "1").size() == 1; }));
  fake.Set(0, "pcie_replay", 25).Set(1, "ecc_sbe_volatile", 7).Set(1, "remapped_correctable", 1);
  fake.AddXid(1, 119).AddXid(1, 119).Write();  // the same XID (a GSP timeout) twice: two events
  ASSERT_TRUE(Eventually([&] { return Values(out, "DCGM_FI_DEV_XID_ERRORS", "1").size() == 4; }));
  ASSERT_TRUE(Eventually([&] { return TextfileOf(out).find("DCGM_FI_DEV_XID_ERRORS{gpu=\"1\"} 119\n") != std::string::npos; }));
  fake.Set(0, "pcie_replay", 30).Write();
  ASSERT_TRUE(Eventually([&] { return Values(out, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "0").size() == 3; }));
  std::string textfile = TextfileOf(out);
  ProcessResult stopped = watch.Stop();
  EXPECT_FALSE(stopped.killed) << stopped.output;
  EXPECT_NE(stopped.output.find("readings"), std::string::npos) << stopped.output;

  EXPECT_EQ(Values(out, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "0"), (std::vector<double>{0, 25, 30}));
  EXPECT_TRUE(Values(out, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "1").empty());  // GPU 1 has none: none invented
  EXPECT_EQ(Values(out, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "1"), (std::vector<double>{0, 7}));
  EXPECT_EQ(Values(out, "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "1"), (std::vector<double>{0, 1}));
  EXPECT_EQ(Values(out, "DCGM_FI_DEV_XID_ERRORS", "1"), (std::vector<double>{0, 119, 0, 119}));
  EXPECT_EQ(Values(out, "DCGM_FI_DEV_XID_ERRORS", "0"), (std::vector<double>{0}));
  EXPECT_TRUE(Values(out, "DCGM_FI_DEV_POWER_USAGE", "0").empty());
  for (const char* sample : {"# TYPE DCGM_FI_DEV_PCIE_REPLAY_COUNTER counter\n", "# TYPE DCGM_FI_DEV_XID_ERRORS gauge\n",
                             "# TYPE DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS counter\n",
                             "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS{gpu=\"1\"} 1\n", "DCGM_FI_DEV_GPU_TEMP{gpu=\"1\"} 41\n",
                             "node_infiniband_symbol_error_total{device=\"mlx5_0\",port=\"1\"} 5\n"}) {
    EXPECT_NE(textfile.find(sample), std::string::npos) << sample << "\n" << textfile;
  }

  // kiln predict reads every line as a known signal, and counts the two XIDs as two: its rule (two hardware XIDs
  // within 48 h) fires for GPU 1 at the node's next evaluation, which a sample an hour later brings.
  std::vector<std::string> lines = SampleLines(out);
  nlohmann::json later = nlohmann::json::parse(lines.back());
  later["t"] = later["t"].get<std::int64_t>() + 3600;
  std::string replay = dir.Write("replay.jsonl", ReadFile(out + "/samples.jsonl") + later.dump() + "\n");
  std::string predicted = (dir.path() / "predict").string();
  auto r = testing::RunKiln({"predict", "--replay", replay, "--out", predicted});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string summary = ReadFile(predicted + "/predict.txt");
  std::string counts = fmt::format("({} samples of", lines.size() + 1);
  EXPECT_NE(summary.find(counts), std::string::npos) << counts << "\n" << summary;
  EXPECT_NE(summary.find(", 0 lines ignored)"), std::string::npos) << summary;
  std::vector<std::string> alerts = Lines(ReadFile(predicted + "/alerts.jsonl"));
  ASSERT_EQ(alerts.size(), 1u) << ReadFile(predicted + "/alerts.jsonl");
  nlohmann::json alert = nlohmann::json::parse(alerts[0]);
  EXPECT_EQ(alert["rule"], "xid");
  EXPECT_EQ(alert["labels"], nlohmann::json({{"gpu", "1"}}));
  EXPECT_EQ(alert["evidence"]["events"], 2) << alert.dump();
}

TEST(WatchCli, AGpuThatStartsFailingMidRunIsSaidOnceAndTheCollectorGoesOn) {
  testing::TempDir dir;
  FakePort(dir);
  testing::FakeNvml fake = TwoGpus(dir);
  fake.Set(0, "xid_events", 0).Write();  // GPU 0 cannot register for XIDs: no gauge, no complaint
  std::string out = (dir.path() / "watch").string();
  BackgroundWatch watch(dir, fake, out);
  ASSERT_TRUE(Eventually([&] { return Values(out, "DCGM_FI_DEV_GPU_TEMP", "1").size() == 1; }));
  fake.Set(1, "lost", 1).Write();  // every call on GPU 1 now fails, as when it falls off the bus
  const std::string said = "GPU 1: nvmlDeviceGetHandleByIndex_v2: GPU is lost";
  ASSERT_TRUE(watch.SaidWithin(said));
  // Still reading: GPU 0 and the port, many readings after.
  fake.Set(0, "pcie_replay", 3).Write();
  ASSERT_TRUE(Eventually([&] { return Values(out, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "0").size() == 2; }));
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/symbol_error", "6\n");
  ASSERT_TRUE(Eventually([&] { return TextfileOf(out).find("port=\"1\"} 6\n") != std::string::npos; }));
  std::string textfile = TextfileOf(out);
  ProcessResult stopped = watch.Stop();
  EXPECT_FALSE(stopped.killed) << stopped.output;
  std::size_t first = stopped.output.find(said);
  EXPECT_EQ(stopped.output.find(said, first + 1), std::string::npos) << "said more than once:\n" << stopped.output;
  EXPECT_EQ(stopped.output.find("GPU 0"), std::string::npos) << stopped.output;
  EXPECT_EQ(textfile.find("gpu=\"1\""), std::string::npos) << textfile;  // a lost GPU's values are not repeated
  EXPECT_NE(textfile.find("DCGM_FI_DEV_PCIE_REPLAY_COUNTER{gpu=\"0\"} 3\n"), std::string::npos) << textfile;
  EXPECT_TRUE(Values(out, "DCGM_FI_DEV_XID_ERRORS", "0").empty());
}

}  // namespace
}  // namespace kiln
