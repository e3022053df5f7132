// cluster.nodes in a stored report: written and read back with each node's hostname and identity, and refused
// when it does not list each measured node exactly once (kiln evaluate, report, history and derive read it).

#include "reports/report_nodes.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/baseline_selection.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

NodeRecord Node(std::string name, int rank, std::string hostname, MachineIdentity identity) {
  NodeRecord node;
  node.name = std::move(name);
  node.ranks = {rank};
  node.hostname = std::move(hostname);
  node.identity = std::move(identity);
  return node;
}

// A report of two nodes, each with a measurement.
nlohmann::json TwoNodeReport() {
  RunRecord r;
  r.nodes = {Node("vm", 0, "vm", {"aaaa", "boot-a", ""}), Node("vm~2", 1, "vm", {"bbbb", "boot-b", ""})};
  for (const char* node : {"vm", "vm~2"}) {
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node(node),
                                             {10.0}, true, "one pass"));
  }
  return BuildReport(r);
}

std::string RefusalOf(const nlohmann::json& report, const std::string& path) {
  try {
    CheckNodeListing(report, path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReportNodes, HostnameAndIdentityRoundTripAndSayWhatToldMachinesApart) {
  nlohmann::json report = TwoNodeReport();
  const nlohmann::json& second = report["cluster"]["nodes"][1];
  EXPECT_EQ(second["name"], "vm~2");
  EXPECT_EQ(second["hostname"], "vm");
  EXPECT_EQ(second["identity"]["machine_id"], "bbbb");
  EXPECT_EQ(second["identity"]["boot_id"], "boot-b");
  EXPECT_EQ(second["identity"]["basis"], "machine-id, boot id");
  std::vector<NodeRecord> back = NodeRecordsFromJson(report["cluster"]["nodes"]);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].hostname, "vm");
  EXPECT_EQ(back[1].identity, (MachineIdentity{"bbbb", "boot-b", ""}));
  EXPECT_EQ(back[1].ranks, std::vector<int>{1});
  // A simulated cluster is names only.
  EXPECT_EQ(NodeRecordsJson({NodeRecord{"n0", {}, nullptr}}), nlohmann::json::parse(R"([{"name": "n0"}])"));
}

TEST(ReportNodes, AStoredReportIsJudgedAgainWithTheSameIdentityVerdict) {
  testing::TempDir dir;
  std::string path = dir.Write("report.json", TwoNodeReport().dump());
  RunRecord record = RecordFromReport(LoadReport(path), path);
  BaselineChoice automatic;
  automatic.automatic = true;  // no health probe: no baseline is chosen, which does not matter here
  std::vector<Verdict> verdicts = JudgeRecord(record, automatic, {});
  int identity_failures = 0;
  for (const Verdict& v : verdicts) {
    if (v.metric == "node.identity" && v.outcome == Outcome::kFail) ++identity_failures;
  }
  EXPECT_EQ(identity_failures, 2);
}

TEST(ReportNodes, NoNodesListedIsRefusedNamingTheFileAndTheMeasuredNode) {
  nlohmann::json report = TwoNodeReport();
  report["cluster"]["nodes"] = nlohmann::json::array();
  EXPECT_NE(RefusalOf(report, "r.json").find("r.json: measurement 1 (host.stream.copy_bw) is of node 'vm', which "
                                             "cluster.nodes does not list"), std::string::npos)
      << RefusalOf(report, "r.json");
  report["measurements"] = nlohmann::json::array();
  EXPECT_NE(RefusalOf(report, "r.json").find("r.json: cluster.nodes lists no node"), std::string::npos);
  report["cluster"].erase("nodes");
  EXPECT_NE(RefusalOf(report, "r.json").find("cluster.nodes"), std::string::npos);
}

TEST(ReportNodes, AMeasurementOfAnUnlistedNodeIsRefusedNamingIt) {
  nlohmann::json report = TwoNodeReport();
  report["cluster"]["nodes"].erase(1);
  std::string refusal = RefusalOf(report, "r.json");
  EXPECT_NE(refusal.find("r.json: measurement 2 (host.stream.copy_bw) is of node 'vm~2', which cluster.nodes does "
                         "not list"), std::string::npos) << refusal;
  // Also through the loader every command uses, with exit code 2.
  testing::TempDir dir;
  std::string path = dir.Write("report.json", report.dump());
  try {
    LoadReport(path);
    ADD_FAILURE() << "an unlisted node was loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(ReportNodes, AStepResultOfAnUnlistedNodeIsRefused) {
  nlohmann::json report = TwoNodeReport();
  report["steps"] = nlohmann::json::parse(R"([{"probe": "host_stream", "results": [{"subject": {"kind": "node",
    "nodes": ["vm"]}, "node": "ghost", "rank": 0, "status": "error", "reason": "x"}]}])");
  EXPECT_NE(RefusalOf(report, "r.json").find("a result of step host_stream is of node 'ghost'"), std::string::npos);
}

TEST(ReportNodes, ANodeListedTwiceIsRefusedNamingIt) {
  nlohmann::json report = TwoNodeReport();
  report["cluster"]["nodes"].push_back(report["cluster"]["nodes"][0]);
  EXPECT_NE(RefusalOf(report, "r.json").find("node 'vm' is listed twice in cluster.nodes (entries 1 and 3)"),
            std::string::npos) << RefusalOf(report, "r.json");
}

TEST(ReportNodes, MalformedEntriesAreBadInputNotInternalErrors) {
  for (const char* nodes : {R"([{"ranks": [0]}])", R"([{"name": "vm", "hostname": 7}])",
                            R"([{"name": "vm", "identity": {"machine_id": []}}])", R"("vm")"}) {
    nlohmann::json report = TwoNodeReport();
    report["cluster"]["nodes"] = nlohmann::json::parse(nodes);
    EXPECT_NE(RefusalOf(report, "r.json"), "") << nodes;
  }
}

}  // namespace
}  // namespace kiln
