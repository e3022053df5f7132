// The fabric's tree beside other faults (the adversarial cases of docs/logs/2026-12-07-random-clusters-report.md, issue 26 item 4): a slow
// uplink with a fault inside its own leaf or beside it, a partly filled last leaf, half a leaf faulty, a probe
// sensitivity below the cluster's size. Every fault named, nobody healthy accused, nothing unresolved.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"
#include "bisection/topology.hpp"
#include "core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

// Three leaves of 8: node00-07, node08-15, node16-23.
constexpr const char* kThreeLeaves =
    "SwitchName=leaf0 Nodes=node[00-07]\nSwitchName=leaf1 Nodes=node[08-15]\nSwitchName=leaf2 Nodes=node[16-23]\n";
// 16, 16 and a partly filled last leaf of 2.
constexpr const char* kSmallLastLeaf =
    "SwitchName=leaf0 Nodes=node[00-15]\nSwitchName=leaf1 Nodes=node[16-31]\nSwitchName=leaf2 Nodes=node[32-33]\n";

// Runs `kiln bisect --simulate` as bisection/run.cpp does: the cluster's sensitivity unless `sensitivity` is
// given; returns "uplink leaf0", "node node03", "link node01-node05", "unresolved ...".
std::set<std::string> Findings(int nodes, const std::string& faults, const std::string& topology, int sensitivity = 0) {
  testing::TempDir dir;
  const std::string cluster_path = (dir.path() / "cluster.xml").string(), topology_path = (dir.path() / "topo.conf").string();
  WriteFileAtomically(cluster_path, fmt::format("<cluster name=\"t\" nodes=\"{}\" prefix=\"node\" seed=\"1\">\n{}</cluster>\n",
                                                nodes, faults));
  WriteFileAtomically(topology_path, topology);
  SimulatedCluster cluster = LoadSimulatedCluster(cluster_path);
  Topology t = LoadTopology(topology_path, cluster.nodes);
  AttachTopology(cluster, &t);
  BisectOptions options;
  options.group_limit = sensitivity > 0 ? sensitivity : cluster.sensitivity;
  options.leaf_of = t.leaf_of;
  SimulatedExecutor executor(cluster);
  BisectResult r = Bisect(cluster.nodes, executor, options);
  std::set<std::string> named;
  for (const Finding& f : r.findings) {
    if (f.kind == FindingKind::kSwitch || f.kind == FindingKind::kUplink) {
      named.insert(fmt::format("{} {}", ToString(f.kind), t.switches[static_cast<std::size_t>(f.switch_index)]));
      continue;
    }
    std::vector<std::string> names;
    for (int m : f.members) names.push_back(cluster.nodes[static_cast<std::size_t>(m)]);
    std::sort(names.begin(), names.end());
    named.insert(fmt::format("{} {}", ToString(f.kind), fmt::join(names, "-")));
  }
  return named;
}

using Named = std::set<std::string>;

TEST(BisectionTopologyFaults, ASlowNodeInsideASlowUplinksLeafIsNamedBesideTheUplink) {
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/><fault kind=\"slow_node\" node=\"node03\"/>\n",
                     kThreeLeaves),
            (Named{"uplink leaf0", "node node03"}));  // was: switch leaf0 alone
}

TEST(BisectionTopologyFaults, AHungNodeInsideASlowUplinksLeafIsNamedAndNobodyElse) {
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/><fault kind=\"hung_node\" node=\"node03\"/>\n",
                     kThreeLeaves),
            (Named{"uplink leaf0", "node node03"}));  // was: switch leaf0 and healthy node08
}

TEST(BisectionTopologyFaults, ALinkInsideASlowUplinksLeafIsNotLostInASwitch) {
  // Was: "switch leaf0" alone. The link's ends were accused as nodes with the rest of the leaf (the uplink fails
  // all their company outside it), so no link was ever searched; now the leaf is an uplink and its nodes, tested
  // together inside the leaf, fail: left unresolved (narrowing it to the pair is not built yet), never dropped.
  Named named = Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/>"
                             "<fault kind=\"slow_link\" a=\"node01\" b=\"node05\"/>\n",
                         kThreeLeaves);
  EXPECT_EQ(named.count("uplink leaf0"), 1u);
  EXPECT_EQ(named.count("switch leaf0"), 0u);
  const bool kept = named.count("link node01-node05") == 1 ||
                    std::any_of(named.begin(), named.end(), [](const std::string& f) {
                      return f.rfind("unresolved ", 0) == 0 && f.find("node01") != std::string::npos &&
                             f.find("node05") != std::string::npos;
                    });
  EXPECT_TRUE(kept) << fmt::format("{}", fmt::join(named, "; "));
}

TEST(BisectionTopologyFaults, ASlowNodeBesideASlowUplinkDoesNotGetItsPartnerAccused) {
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/><fault kind=\"slow_node\" node=\"node10\"/>\n",
                     kThreeLeaves),
            (Named{"uplink leaf0", "node node10"}));  // was: node11 too (re-paired with node01 of leaf0)
}

TEST(BisectionTopologyFaults, ASensitivityBelowTheClusterNamesNoHealthyLeafsUplink) {
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/>\n", kThreeLeaves, 8),
            (Named{"uplink leaf0"}));  // was: uplink leaf1 too
}

TEST(BisectionTopologyFaults, OneFaultInATwoNodeLeafIsNotItsSwitchOrUplink) {
  EXPECT_EQ(Findings(34, "<fault kind=\"slow_node\" node=\"node33\"/>\n", kSmallLastLeaf), (Named{"node node33"}));
  EXPECT_EQ(Findings(34, "<fault kind=\"hung_node\" node=\"node33\"/>\n", kSmallLastLeaf), (Named{"node node33"}));
  EXPECT_EQ(Findings(34, "<fault kind=\"slow_link\" a=\"node33\" b=\"node05\"/>\n", kSmallLastLeaf),
            (Named{"link node05-node33"}));  // were: switch leaf2, switch leaf2, uplink leaf2
}

TEST(BisectionTopologyFaults, HalfALeafFaultyIsNotItsSwitch) {
  Named named = Findings(34,
                         "<fault kind=\"slow_node\" node=\"node20\"/><fault kind=\"slow_node\" node=\"node21\"/>"
                         "<fault kind=\"slow_link\" a=\"node22\" b=\"node23\"/><fault kind=\"slow_link\" a=\"node24\" "
                         "b=\"node25\"/><fault kind=\"slow_node\" node=\"node26\"/><fault kind=\"slow_node\" "
                         "node=\"node27\"/><fault kind=\"hung_node\" node=\"node28\"/><fault kind=\"slow_node\" "
                         "node=\"node29\"/>\n",
                         kSmallLastLeaf);
  EXPECT_EQ(named.count("switch leaf1") + named.count("uplink leaf1"), 0u) << fmt::format("{}", fmt::join(named, "; "));
  for (const char* fault : {"node node20", "node node21", "node node26", "node node27", "node node28", "node node29",
                            "link node22-node23", "link node24-node25"}) {
    EXPECT_EQ(named.count(fault), 1u) << fault << ": " << fmt::format("{}", fmt::join(named, "; "));
  }
}

TEST(BisectionTopologyFaults, ASlowUplinkAndADilutedLinkLeavingItNameNoOtherLeaf) {
  // 97 nodes, 12 shuffled leaves of 8 and 2 nodes under none (adversarial case uplink-diluted-link-every-leaf-
  // accused): was every leaf named as an uplink, and 2 unresolved.
  const std::string tree =
      "SwitchName=rack0 Nodes=node[17,22,30,37,50,54,58,80]\n"
      "SwitchName=rack1 Nodes=node[03,05,07,23,43,68,82,91]\n"
      "SwitchName=rack2 Nodes=node[20,48,52,59,65,83,92,95]\n"
      "SwitchName=rack3 Nodes=node[14,16,35,38,40-41,71,90]\n"
      "SwitchName=rack4 Nodes=node[32,42,45,67,85-86,89,96]\n"
      "SwitchName=rack5 Nodes=node[00,04,09,27,53,61,64,84]\n"
      "SwitchName=rack6 Nodes=node[18,29,31,46,51,66,73,78]\n"
      "SwitchName=rack7 Nodes=node[10,13,24,34,39,60,93-94]\n"
      "SwitchName=rack8 Nodes=node[11,19,33,47,74,77,79,81]\n"
      "SwitchName=rack9 Nodes=node[01,08,26,55,57,63,75,88]\n"
      "SwitchName=rack10 Nodes=node[06,25,28,56,62,69-70,87]\n"
      "SwitchName=rack11 Nodes=node[12,15,21,44,49,72,76]\n"
      "SwitchName=spine0 Switches=rack0,rack1,rack2,rack3,rack4,rack5,rack6,rack7,rack8,rack9,rack10,rack11\n"
      "SwitchName=core Switches=spine0\n";
  EXPECT_EQ(Findings(97, "<fault kind=\"slow_uplink\" switch=\"rack9\"/>"
                         "<fault kind=\"slow_link\" a=\"node08\" b=\"node40\" max_group=\"32\"/>\n",
                     tree),
            (Named{"uplink rack9"}));  // the link leaves rack9: explained by its uplink
}

TEST(BisectionTopologyFaults, TwoLeavesWithASlowUplinkBetweenThemAreLeftUnresolvedNotBothAccused) {
  // Two leaves: a slow uplink of either slows exactly the same flows, so neither may be named (it named both, one
  // of them healthy: bench/bisection_rounds_spread 5 issue, 64 nodes). With a third leaf it is told apart.
  std::string all;
  for (int i = 0; i < 64; ++i) all += fmt::format("{}node{:02}", i == 0 ? "" : "-", i);
  const char* two = "SwitchName=leaf0 Nodes=node[00-31]\nSwitchName=leaf1 Nodes=node[32-63]\n";
  for (const char* slow : {"leaf0", "leaf1"}) {
    EXPECT_EQ(Findings(64, fmt::format("<fault kind=\"slow_uplink\" switch=\"{}\"/>\n", slow), two),
              (Named{"unresolved " + all}));
  }
  // 16 nodes (every pair tested): only one leaf is checked, whichever the pair stage implicated; still not named.
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += fmt::format("{}node{:02}", i == 0 ? "" : "-", i);
  const char* small = "SwitchName=leaf0 Nodes=node[00-07]\nSwitchName=leaf1 Nodes=node[08-15]\n";
  for (const char* slow : {"leaf0", "leaf1"}) {
    EXPECT_EQ(Findings(16, fmt::format("<fault kind=\"slow_uplink\" switch=\"{}\"/>\n", slow), small),
              (Named{"unresolved " + sixteen}));
  }
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf0\"/>\n", kThreeLeaves), (Named{"uplink leaf0"}));
}

// The random clusters of docs/logs/2026-12-07-random-clusters-sweep-6351.md, few leaves and a node alone: the leaf
// whose nodes served as cleared partners had the slow uplink, so every node that met them was accused, a healthy
// leaf was named in its place, and the node alone (the only one to tell the leaves apart) stayed accused.
TEST(BisectionTopologyFaults, TheCleanLookingLeafWhoseUplinkIsSlowIsNamedAndTheLoneNodeWithdrawn) {
  const char* tree = "SwitchName=leaf0 Nodes=node[00-04]\nSwitchName=leaf1 Nodes=node[05-09]\n"
                     "SwitchName=leaf2 Nodes=node[10-14]\n";  // node15 under no leaf
  EXPECT_EQ(Findings(16, "<fault kind=\"slow_uplink\" switch=\"leaf1\"/><fault kind=\"slow_uplink\" switch=\"leaf2\"/>\n",
                     tree),
            (Named{"uplink leaf1", "uplink leaf2"}));  // was: uplinks leaf0 and leaf1, node15 accused
}

TEST(BisectionTopologyFaults, ALeafOfOneNodeBesideASlowUplinkIsWithdrawnAndSlowNodesInsideStay) {
  const char* tree = "SwitchName=rack0 Nodes=node[00-15]\nSwitchName=rack1 Nodes=node[16-31]\nSwitchName=rack2 Nodes=node32\n";
  EXPECT_EQ(Findings(33, "<fault kind=\"slow_uplink\" switch=\"rack0\"/><fault kind=\"slow_node\" node=\"node22\"/>"
                         "<fault kind=\"slow_node\" node=\"node17\"/><fault kind=\"slow_node\" node=\"node25\"/>\n",
                     tree),
            (Named{"uplink rack0", "node node17", "node node22", "node node25"}));  // was: rack1, node32 accused
}

TEST(BisectionTopologyFaults, ALinkInAHealthyLeafWhoseNodesWereWithdrawnIsSearchedFor) {
  const char* tree = "SwitchName=rack0 Nodes=node[00-20]\nSwitchName=rack1 Nodes=node[21-41]\n"
                     "SwitchName=rack2 Nodes=node[42-62]\nSwitchName=rack3 Nodes=node63\n";
  EXPECT_EQ(Findings(64, "<fault kind=\"slow_uplink\" switch=\"rack1\"/><fault kind=\"slow_switch\" switch=\"rack2\"/>"
                         "<fault kind=\"slow_link\" a=\"node10\" b=\"node01\"/><fault kind=\"slow_node\" node=\"node03\"/>\n",
                     tree),
            (Named{"uplink rack1", "switch rack2", "link node01-node10", "node node03"}));  // was: rack0, node63
}

TEST(BisectionTopologyFaults, ALinkEndAccusedThroughASlowUplinkIsRecheckedAndItsLinkNamed) {
  // node32 failed its pair with node08 (the link) and twice with cleared partners under rack0, whose uplink is slow
  // (named last): it was accused and the link lost. Its only other failures being that pair, it is tested in good
  // company (passes, withdrawn) and the pair twice more (a link).
  const char* tree = "SwitchName=rack0 Nodes=node[00,03,06,09,12,15,18,21,24,27,30]\n"
                     "SwitchName=rack1 Nodes=node[01,04,07,10,13,16,19,22,25,28,31]\n"
                     "SwitchName=rack2 Nodes=node[02,05,08,11,14,17,20,23,26,29,32]\n";
  // (node00-node01 leaves rack0: its uplink explains it, and it may or may not be named.)
  Named named = Findings(33, "<fault kind=\"slow_uplink\" switch=\"rack0\"/><fault kind=\"slow_link\" a=\"node08\" b=\"node32\"/>"
                             "<fault kind=\"slow_link\" a=\"node00\" b=\"node01\" max_group=\"64\"/>\n",
                         tree);
  named.erase("link node00-node01");
  EXPECT_EQ(named, (Named{"uplink rack0", "link node08-node32"}));  // was: node node08, no link
}

TEST(BisectionTopologyFaults, ANodeThatFailsItsRecheckWithTheOtherEndOfALinkIsTestedOnceMoreApart) {
  // node23, under no leaf, was rechecked in good company with node17, the other end of a link no test had shown:
  // it failed and stayed accused, and the link was lost. A failed recheck in a pair runs once more with another
  // partner: passing, node23 is withdrawn and its failed pair with node17 is tested as a link.
  const char* tree = "SwitchName=leaf0 Nodes=node[00-07]\nSwitchName=leaf1 Nodes=node[08-15]\nSwitchName=leaf2 Nodes=node[16-22]\n";
  EXPECT_EQ(Findings(24, "<fault kind=\"slow_uplink\" switch=\"leaf1\"/><fault kind=\"slow_switch\" switch=\"leaf0\"/>"
                         "<fault kind=\"slow_link\" a=\"node23\" b=\"node17\"/><fault kind=\"slow_node\" node=\"node16\"/>\n",
                     tree),
            (Named{"uplink leaf1", "switch leaf0", "link node17-node23", "node node16"}));  // was: the link missed
}

TEST(BisectionTopologyFaults, ANodeWhoseOtherFailuresShareOnePartyIsRecheckedAndItsLinkFound) {
  // node14 failed the thirds of its companies (each held nodes of leaf2, whose uplink is slow) and one group with
  // node09, the other end of a link: it was accused and the link lost. Its failures that leaf2 does not explain all
  // share node09's group, so it is rechecked away from them, withdrawn, and that group is searched for the pair.
  const char* tree = "SwitchName=leaf0 Nodes=node[00-10]\nSwitchName=leaf1 Nodes=node[11-21]\nSwitchName=leaf2 Nodes=node[22-32]\n";
  Named named = Findings(33, "<fault kind=\"slow_uplink\" switch=\"leaf2\"/><fault kind=\"slow_link\" a=\"node28\" b=\"node08\"/>"
                             "<fault kind=\"slow_link\" a=\"node09\" b=\"node14\" max_group=\"48\"/>\n",
                         tree);
  named.erase("link node08-node28");  // leaves leaf2: its uplink explains it
  EXPECT_EQ(named, (Named{"uplink leaf2", "link node09-node14"}));  // was: node node14
}

}  // namespace
}  // namespace kiln
