// The fabric's tree in the bisection (issue 26): Slurm's topology.conf read with its line on every error, and
// a slow switch, a slow uplink, a slow cross-leaf link and a slow node named at once, nobody else.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"
#include "bisection/topology.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

std::vector<std::string> Names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(fmt::format("n{:03}", i));
  return names;
}

// `leaves` leaves of `per` nodes each, under one spine.
std::string Tree(int leaves, int per) {
  std::string text = "# a test fabric\n";
  for (int l = 0; l < leaves; ++l) {
    text += fmt::format("SwitchName=leaf{} Nodes=n[{:03}-{:03}] LinkSpeed=100\n", l, l * per, l * per + per - 1);
  }
  return text + fmt::format("SwitchName=spine Switches=leaf[0-{}]\n", leaves - 1);
}

TEST(BisectionTopology, ReadsSlurmsTreeFormat) {
  testing::TempDir dir;
  std::string path = (dir.path() / "topology.conf").string();
  WriteFileAtomically(path, Tree(4, 8));
  Topology t = LoadTopology(path, Names(30));  // the file places 32 nodes; the cluster has 30
  ASSERT_EQ(t.switches.size(), 5u);
  EXPECT_EQ(t.LeafName(0), "leaf0");
  EXPECT_EQ(t.LeafName(17), "leaf2");
  EXPECT_EQ(t.NodesUnder(3).size(), 6u);
  EXPECT_EQ(t.parent[static_cast<std::size_t>(t.Find("leaf3"))], t.Find("spine"));
  EXPECT_EQ(t.parent[static_cast<std::size_t>(t.Find("spine"))], -1);
}

TEST(BisectionTopology, NamesTheLineOfEveryMistake) {
  testing::TempDir dir;
  std::string path = (dir.path() / "bad.conf").string();
  for (auto [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {"SwitchName=a Nodes=n[000-003]\nSwitchName=b Nodes=n[003-005]\n", ":2: node 'n003' is under both a and b"},
           {"SwitchName=a Nodes=n000\nSwitchName=s Switches=a,c\n", ":2: Switches= names 'c'"},
           {"SwitchName=a Nodes=n000 Speed=4\n", ":1: unknown key 'Speed'"},
           {"\nNodes=n000\n", ":2: a line needs SwitchName"},
           {"SwitchName=a Nodes=n[005-001]\n", ":1:"},
           {"SwitchName=a Nodes=n000\nSwitchName=a Nodes=n001\n", ":2: switch 'a' is defined twice"},
           // Kept only the last list before (hostile/topo-dupkey.conf).
           {"SwitchName=a Nodes=n000 Nodes=n001\n", ":1: 'Nodes=' is given twice on one line"},
           // Loops were accepted (hostile/topo-cycle.conf): the Switches= line that closes the loop is named.
           {"SwitchName=a Nodes=n000\nSwitchName=b Switches=c\nSwitchName=c Switches=b\n", ":2: switches form a loop"},
           {"SwitchName=a Nodes=n000 Switches=a\n", ":1: switches form a loop"},
           // No node of the cluster placed (gpu* against n*): every topology check would be off without a word.
           {"SwitchName=a Nodes=gpu[00-07]\n", ": places none of the cluster's 8 nodes (n000, ...; the file's first: 'gpu00')"}}) {
    WriteFileAtomically(path, text);
    try {
      LoadTopology(path, Names(8));
      FAIL() << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path + needle), std::string::npos) << e.what();
    }
  }
}

TEST(BisectionTopology, SwitchUplinkLinkAndNodeAreNamedAtOnceAndNobodyElse) {
  // 1,024 nodes under 32 leaves of 32 (the 4,096-node case is tests/fixtures/clusters/sim4096-tree.xml).
  testing::TempDir dir;
  std::string path = (dir.path() / "tree.conf").string();
  WriteFileAtomically(path, Tree(32, 32));
  SimulatedCluster c;
  c.nodes = Names(1024);
  for (int seed = 1; seed <= 3; ++seed) {
    c.seed = static_cast<std::uint64_t>(seed);
    c.faults.assign(4, SimulatedFault{});
    c.faults[0].kind = FaultKind::kSlowUplink;
    c.faults[0].switch_name = "leaf7";
    c.faults[1].kind = FaultKind::kSlowSwitch;
    c.faults[1].switch_name = "leaf20";
    c.faults[2].kind = FaultKind::kSlowLink;
    c.faults[2].node = 40;
    c.faults[2].other = 900;
    c.faults[3].kind = FaultKind::kSlowNode;
    c.faults[3].node = 500 + seed;
    Topology t = LoadTopology(path, c.nodes);
    AttachTopology(c, &t);
    BisectOptions options;
    options.leaf_of = t.leaf_of;
    SimulatedExecutor executor(c);
    BisectResult r = Bisect(c.nodes, executor, options);
    std::set<std::string> named;
    for (const Finding& f : r.findings) {
      if (f.kind == FindingKind::kSwitch || f.kind == FindingKind::kUplink) {
        named.insert(fmt::format("{} {}", ToString(f.kind), t.switches[static_cast<std::size_t>(f.switch_index)]));
        EXPECT_EQ(f.members.size(), 32u);
      } else {
        std::vector<int> m = f.members;
        std::sort(m.begin(), m.end());
        named.insert(fmt::format("{} {}", ToString(f.kind), fmt::join(m, "-")));
      }
    }
    EXPECT_EQ(named, (std::set<std::string>{"uplink leaf7", "switch leaf20", "link 40-900",
                                            fmt::format("node {}", 500 + seed)}))
        << "seed " << seed << ": " << r.conclusion;
  }
}

}  // namespace
}  // namespace kiln
