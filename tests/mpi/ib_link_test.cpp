// InfiniBand link tests without RDMA hardware: a fake sysfs and perftest stand-ins, four ranks standing in
// for nodes. One HCA of one node is slow; Kiln must name exactly that HCA and the pairs that used it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/files.hpp"
#include "core/hostname.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::SourceDir;

void FakePort(const testing::TempDir& root, const std::string& device, const std::string& state = "4: ACTIVE") {
  std::string base = "sys/class/infiniband/" + device + "/ports/1/";
  root.Write(base + "state", state + "\n");
  root.Write(base + "phys_state", "5: LinkUp\n");
  root.Write(base + "rate", "400 Gb/sec (4X NDR)\n");
  root.Write(base + "link_layer", "InfiniBand\n");
  for (const char* counter : {"symbol_error", "link_downed", "port_rcv_errors", "port_xmit_discards"}) {
    root.Write(base + "counters/" + counter, "0\n");
  }
}

struct IbRun {
  int exit_code;
  std::string output;
  nlohmann::json report;
};

IbRun RunKiln(const testing::TempDir& dir, int ranks, const std::vector<std::string>& env) {
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> argv{"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", std::to_string(ranks),
                                "--bind-to", "none"};
  for (const std::string& assignment : env) {
    argv.push_back("-x");
    argv.push_back(assignment.substr(0, assignment.find('=')));
  }
  for (const std::string& a : {testing::KilnBinary(), std::string("run"), std::string("--rank-as-node"),
                               std::string("--quiet"), std::string("--suite"), SourceDir() + "/tests/fixtures/suites/ib.xml",
                               std::string("--baseline"), SourceDir() + "/tests/fixtures/baselines/ib-ndr.xml",
                               std::string("--out"), out, std::string("--force")}) {
    argv.push_back(a);
  }
  auto r = RunCommand(argv, 240, env);
  EXPECT_FALSE(r.timed_out) << r.output;
  nlohmann::json report;
  if (std::filesystem::exists(out + "/report.json")) report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  return {r.exit_code, r.output, report};
}

std::vector<std::string> BaseEnv(const testing::TempDir& dir) {
  return {"KILN_SYSFS_ROOT=" + (dir.path() / "sys").string(), std::string("KILN_IB_WRITE_BW=") + KILN_FAKE_IB_WRITE_BW,
          std::string("KILN_IB_WRITE_LAT=") + KILN_FAKE_IB_WRITE_LAT, "FAKE_PERFTEST_DEVICES=mlx5_0,mlx5_1",
          "KILN_NVML_LIBRARY=libnvidia-ml-absent.so"};
}

TEST(IbLink, NamesTheOneSlowHcaAndThePairsThatUsedIt) {
  testing::TempDir dir;
  FakePort(dir, "mlx5_0");
  FakePort(dir, "mlx5_1");
  std::string slow_node = LocalHostname() + "-r2";
  auto env = BaseEnv(dir);
  env.push_back("FAKE_PERFTEST_SLOW=" + slow_node + ":mlx5_1");
  IbRun run = RunKiln(dir, 4, env);
  ASSERT_FALSE(run.report.is_null()) << run.output;
  EXPECT_EQ(run.exit_code, 1) << run.output;

  int loopback = 0, pairs = 0;
  std::set<std::string> failing;
  for (const auto& m : run.report["measurements"]) {
    if (m["metric"] == "ib.write_bw" && m["probe"] == "ib_loopback") ++loopback;
    if (m["metric"] == "ib.write_bw" && m["probe"] == "ib_link") ++pairs;
  }
  EXPECT_EQ(loopback, 8);  // 4 nodes x 2 HCAs
  EXPECT_EQ(pairs, 12);    // 6 pairs x 2 rails
  for (const auto& v : run.report["verdicts"]) {
    if (v["outcome"] != "pass" && v["outcome"] != "skipped") {
      std::string key = v["probe"].get<std::string>() + " " + v["series"].get<std::string>() + " ";
      for (const auto& n : v["subject"]["nodes"]) key += n.get<std::string>() + ",";
      key += v.value("subject", nlohmann::json::object()).value("device", "");
      failing.insert(key);
    }
  }
  // The slow HCA in loopback (bandwidth and latency), and rail 1 of each of the three pairs with the slow node: nothing else.
  std::set<std::string> expected{"ib_loopback ib.write_bw{mode=loopback} " + slow_node + ",mlx5_1/1",
                                 "ib_loopback ib.write_lat{mode=loopback} " + slow_node + ",mlx5_1/1"};
  for (int other : {0, 1, 3}) {
    std::string a = LocalHostname() + "-r" + std::to_string(std::min(other, 2));
    std::string b = LocalHostname() + "-r" + std::to_string(std::max(other, 2));
    expected.insert("ib_link ib.write_bw{rail=1} " + a + "," + b + ",");
  }
  EXPECT_EQ(failing, expected) << run.output;
}

TEST(IbLink, ClearErrorsForAMissingBinaryDeviceAndPeer) {
  testing::TempDir dir;
  FakePort(dir, "mlx5_0");
  FakePort(dir, "mlx5_9");  // sysfs says it exists; perftest cannot open it
  auto env = BaseEnv(dir);
  env[3] = "FAKE_PERFTEST_DEVICES=mlx5_0";
  IbRun run = RunKiln(dir, 2, env);
  ASSERT_FALSE(run.report.is_null()) << run.output;
  std::string reasons;
  for (const auto& v : run.report["verdicts"]) reasons += v["reason"].get<std::string>() + "\n";
  EXPECT_NE(reasons.find("mlx5_9/1: exited 1: "), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("Unable to find the Infiniband/RoCE device"), std::string::npos) << reasons;

  env[1] = "KILN_IB_WRITE_BW=/nonexistent/ib_write_bw";
  IbRun missing = RunKiln(dir, 1, env);
  std::string missing_reasons;
  for (const auto& v : missing.report["verdicts"]) missing_reasons += v["reason"].get<std::string>() + "\n";
  EXPECT_NE(missing_reasons.find("is not installed (Debian package perftest"), std::string::npos) << missing_reasons;

  auto failing_client = BaseEnv(dir);
  failing_client[3] = "FAKE_PERFTEST_DEVICES=mlx5_0,mlx5_9";
  failing_client.push_back("FAKE_PERFTEST_CLIENT_FAILS=1");
  IbRun lonely = RunKiln(dir, 2, failing_client);
  std::string lonely_reasons;
  for (const auto& v : lonely.report["verdicts"]) lonely_reasons += v["reason"].get<std::string>() + "\n";
  EXPECT_NE(lonely_reasons.find("no client connected"), std::string::npos) << lonely_reasons;
  EXPECT_EQ(lonely.exit_code, 1);
}

}  // namespace
}  // namespace kiln
