// kiln bisect through the binary: a simulated 4,096-node cluster, the report's trail, and bad input.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::SourceDir;

TEST(BisectCli, SimulatedClusterOf4096NamesExactlyTheInjectedCulprits) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto r = testing::RunKiln({"bisect", "--simulate", SourceDir() + "/tests/fixtures/clusters/sim4096-five.xml", "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_TRUE(report["run"]["simulated"].get<bool>());
  const auto& b = report["bisection"];
  std::set<std::string> accused;
  for (const auto& f : b["findings"]) {
    ASSERT_NE(f["kind"], "unresolved") << f.dump();
    std::string who;
    for (const auto& n : f["subject"]["nodes"]) who += (who.empty() ? "" : "<->") + n.get<std::string>();
    accused.insert(f["kind"].get<std::string>() + ":" + who);
  }
  EXPECT_EQ(accused, (std::set<std::string>{"node:node0017", "node:node2048", "node:node3000", "node:node0999",
                                            "link:node0100<->node2100"}));
  EXPECT_TRUE(b["resolved"].get<bool>());
  EXPECT_EQ(b["rounds_used"], b["rounds"].size());
  EXPECT_EQ(report["summary"]["counts"]["fail"], 5);
  // The 4,090 nodes nothing implicated pass as one verdict on their group.
  EXPECT_EQ(report["summary"]["counts"]["pass"], 1);
  bool cleared = false;
  for (const auto& v : report["verdicts"]) {
    if (v["outcome"] != "pass") continue;
    cleared = true;
    EXPECT_EQ(v["subject"]["nodes"].size(), 4096u - 6) << v["reason"];
    EXPECT_EQ(v["reason"], "4090 node(s) not implicated in " + std::to_string(b["rounds_used"].get<int>()) + " round(s)");
  }
  EXPECT_TRUE(cleared);
  // The node stage's 4,096 single-node trials: the passing ones folded into one entry naming them in a hostlist.
  const auto& first = b["rounds"][0]["trials"];
  ASSERT_LT(first.size(), 10u) << first.dump().substr(0, 500);
  std::size_t folded = 0;
  for (const auto& t : first) {
    if (!t.contains("trials")) continue;
    folded += t["trials"].get<std::size_t>();
    EXPECT_TRUE(t["nodes"].is_string());
    EXPECT_EQ(t["nodes"].get<std::string>().rfind("node[0000-", 0), 0u) << t["nodes"];
  }
  EXPECT_GT(folded, 4000u);
  std::string html = ReadFile(out + "/report.html");
  EXPECT_NE(html.find("<h2>Bisection (simulated cluster)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h3>Trail</h3>"), std::string::npos);
}

TEST(BisectCli, EveryPairUpToExtendsTheCircleMethodToALargerClusterAndTheReportSaysItsCost) {
  // 100 nodes and a slow link between nodes that one matching never pairs: by default the pair stage tests one
  // matching (50 of 4,950 pairs) and the cover's groups then meet every pair (the link is found by default, as
  // the report says); with --every-pair-up-to 100 the pair stage tests every pair in 99 rounds and accuses the
  // link there.
  testing::TempDir dir;
  std::string cluster = dir.Write("sim100.xml", R"(<?xml version="1.0"?>
<cluster name="sim100" nodes="100" prefix="n" seed="3"><fault kind="slow_link" a="n17" b="n71"/></cluster>
)");
  for (bool every_pair : {false, true}) {
    std::string out = (dir.path() / (every_pair ? "every" : "matching")).string();
    std::vector<std::string> args{"bisect", "--simulate", cluster, "--out", out, "--quiet"};
    if (every_pair) args.insert(args.end(), {"--every-pair-up-to", "100"});
    auto r = testing::RunKiln(args);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    nlohmann::json b = nlohmann::json::parse(ReadFile(out + "/report.json"))["bisection"];
    const auto& coverage = b["pair_coverage"];
    EXPECT_EQ(coverage["pairs_total"], 4950);
    EXPECT_EQ(coverage["pairs_tested"], 4950) << coverage;
    if (!every_pair) {
      EXPECT_NE(coverage["text"].get<std::string>().find("then every pair of the 100 nodes in the group probe"),
                std::string::npos) << coverage;
    }
    EXPECT_NE(coverage["text"].get<std::string>().find(every_pair ? "every pair of the 100 nodes (4950) in 99 round(s)"
                                                                  : "1 matching(s): 50 of the 4950 pairs"),
              std::string::npos)
        << coverage;
    std::set<std::string> links;
    for (const auto& f : b["findings"]) {
      if (f["kind"] == "link") links.insert(f["subject"]["nodes"][0].get<std::string>() + "<->" +
                                            f["subject"]["nodes"][1].get<std::string>());
      EXPECT_NE(f["kind"], "node") << f.dump();
    }
    EXPECT_EQ(links, (std::set<std::string>{"n17<->n71"})) << b["conclusion"];
    if (every_pair) {  // found by the pair stage, not left to the group stage
      for (const auto& f : b["findings"]) EXPECT_EQ(f["stage"], "pair") << f.dump();
    }
  }
  auto bad = testing::RunKiln({"bisect", "--simulate", cluster, "--every-pair-up-to", "0", "--out",
                               (dir.path() / "bad").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--every-pair-up-to"), std::string::npos) << bad.output;
}

TEST(BisectCli, A65536NodeSearchWritesASmallReport) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto r = testing::RunKiln(
      {"bisect", "--simulate", SourceDir() + "/tests/fixtures/clusters/sim65536-three.xml", "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("3 node(s) and 0 link(s) accused, 0 unresolved"), std::string::npos) << r.output;
  // Sizes, not times: bench/bisect_scale.sh measures the time and memory.
  EXPECT_LT(std::filesystem::file_size(out + "/report.json"), 10u << 20);
  EXPECT_LT(std::filesystem::file_size(out + "/report.html"), 1u << 20);
  EXPECT_LT(std::filesystem::file_size(out + "/junit.xml"), 2u << 20);
  std::string html = ReadFile(out + "/report.html");
  // The nodes table: one row for 65,536 nodes of one kind, named by their hostlist.
  EXPECT_NE(html.find("65536 nodes: node[00000-65535]"), std::string::npos);
}

TEST(BisectCli, BadInputExitsTwoAndSaysWhy) {
  testing::TempDir dir;
  auto neither = testing::RunKiln({"bisect", "--out", (dir.path() / "o").string()});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.output.find("exactly one of --hosts FILE (real nodes) or --simulate"), std::string::npos)
      << neither.output;
  std::string cluster = SourceDir() + "/tests/fixtures/clusters/sim4096-five.xml";
  auto probe = testing::RunKiln({"bisect", "--simulate", cluster, "--probe", "nope"});
  EXPECT_EQ(probe.exit_code, 2);
  EXPECT_NE(probe.output.find("--probe 'nope' is not a probe"), std::string::npos) << probe.output;
  const auto unclaimed = dir.path() / "node-probe";
  auto node_probe = testing::RunKiln({"bisect", "--simulate", cluster, "--node-probe", "mpi_link", "--out", unclaimed.string()});
  EXPECT_EQ(node_probe.exit_code, 2);
  EXPECT_NE(node_probe.output.find("must be a node probe"), std::string::npos) << node_probe.output;
  EXPECT_FALSE(std::filesystem::exists(unclaimed)) << "a probe of the wrong scope is found before --out is claimed";
  std::string bad = dir.Write("bad.xml", "<cluster nodes=\"4\">\n  <fault kind=\"slow_node\" node=\"node9\"/>\n</cluster>\n");
  auto file = testing::RunKiln({"bisect", "--simulate", bad});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.output.find(bad + ":2"), std::string::npos) << file.output;
  auto stages = testing::RunKiln({"bisect", "--simulate", cluster, "--stages", "node,quantum"});
  EXPECT_EQ(stages.exit_code, 2);
  EXPECT_NE(stages.output.find("unknown stage 'quantum'"), std::string::npos) << stages.output;
}

}  // namespace
}  // namespace kiln
