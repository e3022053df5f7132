// A node is a machine, not a hostname. One machine plays two that answer to one hostname: each rank of an MPMD
// mpirun reads its own /etc (KILN_ETC_ROOT), so their machine-ids differ. They must be two nodes, both judged, and
// the run not accepted; `kiln evaluate` must reach the same verdict from the stored report. Reports whose
// cluster.nodes do not list each measured node exactly once are refused.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "core/files.hpp"
#include "core/hostname.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::RunKiln;
using testing::SourceDir;

const char* const kMachineA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const char* const kMachineB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

// `mpirun -np 1 env KILN_ETC_ROOT=A kiln ARGS : -np 1 env KILN_ETC_ROOT=B kiln ARGS`: rank 0 reads A, rank 1 B.
std::vector<std::string> OneRankPerEtc(const std::vector<std::string>& etc_roots, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"};
  for (std::size_t i = 0; i < etc_roots.size(); ++i) {
    if (i > 0) argv.push_back(":");
    argv.insert(argv.end(), {"-np", "1", "env", "KILN_ETC_ROOT=" + etc_roots[i], testing::KilnBinary()});
    argv.insert(argv.end(), args.begin(), args.end());
  }
  return argv;
}

class TwoMachinesOneHostname : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("etc-a/machine-id", std::string(kMachineA) + "\n");
    dir_.Write("etc-b/machine-id", std::string(kMachineB) + "\n");
    etc_a_ = (dir_.path() / "etc-a").string();
    etc_b_ = (dir_.path() / "etc-b").string();
    suite_ = dir_.Write("s.xml", R"(<suite name="s"><phase name="node"><step probe="host_stream" timeout="2m">
      <param name="array_size" value="4MiB"/><param name="threads" value="1"/><param name="passes" value="2"/>
      </step></phase></suite>)");
  }

  // `kiln run` of the suite with rank 0 on "machine A" and rank 1 on "machine B" (or both on A).
  nlohmann::json Run(const std::string& out, bool same_machine, bool rank_as_node, int expected_exit) {
    std::vector<std::string> args{"run", "--quiet", "--suite", suite_, "--baseline",
                                  SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out};
    if (rank_as_node) args.push_back("--rank-as-node");
    auto result = RunCommand(OneRankPerEtc({etc_a_, same_machine ? etc_a_ : etc_b_}, args), 240);
    EXPECT_FALSE(result.timed_out) << result.output;
    EXPECT_EQ(result.exit_code, expected_exit) << result.output;
    return nlohmann::json::parse(ReadFile(out + "/report.json"));
  }

  testing::TempDir dir_;
  std::string etc_a_, etc_b_, suite_;
};

// node name -> its verdicts' outcomes for `metric`
std::map<std::string, std::vector<std::string>> OutcomesOf(const nlohmann::json& report, const std::string& metric) {
  std::map<std::string, std::vector<std::string>> outcomes;
  for (const auto& v : report["verdicts"]) {
    if (v["metric"] == metric) outcomes[v["subject"]["nodes"][0]].push_back(v["outcome"]);
  }
  return outcomes;
}

void ExpectIdentityFailuresNamingBoth(const nlohmann::json& report, const std::vector<std::string>& nodes) {
  std::set<std::string> failed;
  for (const auto& v : report["verdicts"]) {
    if (v["metric"] != "node.identity") continue;
    EXPECT_EQ(v["outcome"], "fail");
    EXPECT_EQ(v["probe"], "node");
    std::string reason = v["reason"];
    for (const std::string& part : {std::string(kMachineA), std::string(kMachineB), "hostname '" + LocalHostname() + "'",
                                    std::string("rank 0"), std::string("rank 1"), std::string("boot id ")}) {
      EXPECT_NE(reason.find(part), std::string::npos) << part << " not in: " << reason;
    }
    EXPECT_TRUE(failed.insert(v["subject"]["nodes"][0]).second) << "two identity verdicts on one node";
  }
  EXPECT_EQ(failed, std::set<std::string>(nodes.begin(), nodes.end()));
  EXPECT_FALSE(report["summary"]["accepted"].get<bool>());
}

TEST_F(TwoMachinesOneHostname, AreTwoNodesBothJudgedAndTheRunIsNotAccepted) {
  std::string out = (dir_.path() / "out").string();
  nlohmann::json report = Run(out, false, false, 1);
  const std::string host = LocalHostname();
  const auto& nodes = report["cluster"]["nodes"];
  ASSERT_EQ(nodes.size(), 2u) << nodes.dump(1);
  EXPECT_EQ(nodes[0]["name"], host);
  EXPECT_EQ(nodes[1]["name"], host + "~2");
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(nodes[i]["hostname"], host);
    EXPECT_EQ(nodes[i]["ranks"], nlohmann::json::array({static_cast<int>(i)}));
    EXPECT_EQ(nodes[i]["identity"]["machine_id"], i == 0 ? kMachineA : kMachineB);
    EXPECT_FALSE(nodes[i]["identity"]["boot_id"].get<std::string>().empty());
    // Each node has its own journal.
    EXPECT_TRUE(std::filesystem::exists(out + "/journal/" + SafeFileName(nodes[i]["name"]) + ".jsonl"));
  }
  // Both nodes measured and judged.
  auto stream = OutcomesOf(report, "host.stream.triad_bw");
  EXPECT_EQ(stream.size(), 2u);
  EXPECT_EQ(stream[host], std::vector<std::string>{"pass"});
  EXPECT_EQ(stream[host + "~2"], std::vector<std::string>{"pass"});
  ExpectIdentityFailuresNamingBoth(report, {host, host + "~2"});

  // Judged again from the stored report: the same verdict, once per node (not kept and judged again).
  std::string again = (dir_.path() / "again").string();
  auto evaluated = RunKiln({"evaluate", out + "/report.json", "--baseline",
                            SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", again});
  EXPECT_EQ(evaluated.exit_code, 1) << evaluated.output;
  ExpectIdentityFailuresNamingBoth(nlohmann::json::parse(ReadFile(again + "/report.json")), {host, host + "~2"});
}

TEST_F(TwoMachinesOneHostname, WithRankAsNodeEachRankIsANodeAndTheSameRuleFails) {
  std::string out = (dir_.path() / "out").string();
  nlohmann::json report = Run(out, false, true, 1);
  const std::string host = LocalHostname();
  ASSERT_EQ(report["cluster"]["nodes"].size(), 2u);
  EXPECT_EQ(OutcomesOf(report, "host.stream.triad_bw").size(), 2u);
  ExpectIdentityFailuresNamingBoth(report, {host + "-r0", host + "-r1"});
}

TEST_F(TwoMachinesOneHostname, TwoRanksOfOneMachineAreOneNodeAndPass) {
  // The control: the same launch with one /etc for both ranks.
  std::string out = (dir_.path() / "out").string();
  nlohmann::json report = Run(out, true, false, 0);
  ASSERT_EQ(report["cluster"]["nodes"].size(), 1u);
  EXPECT_EQ(report["cluster"]["nodes"][0]["ranks"], nlohmann::json::array({0, 1}));
  EXPECT_EQ(report["cluster"]["nodes"][0]["identity"]["machine_id"], kMachineA);
  EXPECT_TRUE(OutcomesOf(report, "node.identity").empty());
}

// A copy of a real report with its cluster.nodes edited, as a careless script or a dishonest supplier would.
TEST(ReportNodeListing, EvaluateReportAndHistoryRefuseNodesThatDoNotMatchTheMeasurements) {
  testing::TempDir dir;
  nlohmann::json real = nlohmann::json::parse(ReadFile(SourceDir() + "/tests/fixtures/real/h100-x1.json"));
  std::string node = real["cluster"]["nodes"][0]["name"];
  nlohmann::json empty = real, twice = real;
  empty["cluster"]["nodes"] = nlohmann::json::array();
  twice["cluster"]["nodes"].push_back(real["cluster"]["nodes"][0]);
  std::map<std::string, std::string> expected{
      {dir.Write("empty.json", empty.dump()), "is of node '" + node + "', which cluster.nodes does not list"},
      {dir.Write("twice.json", twice.dump()), "node '" + node + "' is listed twice in cluster.nodes"}};
  nlohmann::json unlisted = real;
  unlisted["cluster"]["nodes"][0]["name"] = "someone-else";
  expected[dir.Write("unlisted.json", unlisted.dump())] = "is of node '" + node + "', which cluster.nodes does not list";
  for (const auto& [path, message] : expected) {
    for (std::vector<std::string> args : {std::vector<std::string>{"evaluate", path, "--out", path + ".out"},
                                          std::vector<std::string>{"report", path, "--format", "text"},
                                          std::vector<std::string>{"history", "--db", path + ".db", "--add", path}}) {
      auto r = RunKiln(args);
      EXPECT_EQ(r.exit_code, 2) << args[0] << " " << path << ": " << r.output;
      EXPECT_NE(r.output.find(path), std::string::npos) << r.output;
      EXPECT_NE(r.output.find(message), std::string::npos) << message << " not in: " << r.output;
    }
  }
}

}  // namespace
}  // namespace kiln
