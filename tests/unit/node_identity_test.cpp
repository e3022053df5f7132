// A node is a machine: ranks grouped by (hostname, machine identity), the identity read from capped files, and the
// verdict on a hostname that answers for two machines.

#include "reports/node_identity.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "core/machine_identity.hpp"
#include "runners/node_discovery.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

MachineIdentity Id(std::string machine_id, std::string boot_id, std::string serial = "") {
  return {std::move(machine_id), std::move(boot_id), std::move(serial)};
}

const MachineIdentity kA = Id("aaaa1111", "boot-a");
const MachineIdentity kB = Id("bbbb2222", "boot-b");

TEST(GroupRanksIntoNodes, SeveralRanksOfOneMachineAreOneNode) {
  NodeGrouping g = GroupRanksIntoNodes({{"vm", kA}, {"vm", kA}, {"vm", kA}}, false);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "vm");
  EXPECT_EQ(g.nodes[0].hostname, "vm");
  EXPECT_EQ(g.nodes[0].identity, kA);
  EXPECT_EQ(g.nodes[0].ranks, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(g.rank_nodes, (std::vector<std::string>{"vm", "vm", "vm"}));
}

TEST(GroupRanksIntoNodes, TwoMachinesUnderOneHostnameAreNeverMerged) {
  // Ranks 0 and 2 on machine A, 1 and 3 on machine B, all calling themselves "vm" (plain mpirun, srun).
  NodeGrouping g = GroupRanksIntoNodes({{"vm", kA}, {"vm", kB}, {"vm", kA}, {"vm", kB}}, false);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "vm");
  EXPECT_EQ(g.nodes[0].ranks, (std::vector<int>{0, 2}));
  EXPECT_EQ(g.nodes[1].name, "vm~2");
  EXPECT_EQ(g.nodes[1].hostname, "vm");
  EXPECT_EQ(g.nodes[1].identity, kB);
  EXPECT_EQ(g.nodes[1].ranks, (std::vector<int>{1, 3}));
  EXPECT_EQ(g.rank_nodes, (std::vector<std::string>{"vm", "vm~2", "vm", "vm~2"}));
}

TEST(GroupRanksIntoNodes, AGeneratedNameNeverTakesAnotherMachinesHostname) {
  // A machine really called "vm~2" keeps its name; the second "vm" becomes "vm~3".
  NodeGrouping g = GroupRanksIntoNodes({{"vm", kA}, {"vm", kB}, {"vm~2", Id("cccc", "boot-c")}}, false);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "vm");
  EXPECT_EQ(g.nodes[1].name, "vm~3");
  EXPECT_EQ(g.nodes[2].name, "vm~2");
}

TEST(GroupRanksIntoNodes, WithoutMachineIdTheBootIdTellsMachinesApartAndTheRecordSaysSo) {
  MachineIdentity first = Id("", "boot-a"), second = Id("", "boot-b");
  NodeGrouping two = GroupRanksIntoNodes({{"vm", first}, {"vm", second}}, false);
  ASSERT_EQ(two.nodes.size(), 2u);
  EXPECT_EQ(two.nodes[1].name, "vm~2");
  EXPECT_EQ(two.nodes[0].identity.Basis(), "boot id (no /etc/machine-id)");
  NodeGrouping one = GroupRanksIntoNodes({{"vm", first}, {"vm", first}}, false);
  ASSERT_EQ(one.nodes.size(), 1u);
  EXPECT_EQ(one.nodes[0].ranks, (std::vector<int>{0, 1}));
  // Cloned machines share a machine-id but not a boot id: still two.
  EXPECT_EQ(GroupRanksIntoNodes({{"vm", Id("same", "boot-a")}, {"vm", Id("same", "boot-b")}}, false).nodes.size(), 2u);
  // Nothing readable anywhere: only the hostname is left, and the record says so.
  NodeGrouping blind = GroupRanksIntoNodes({{"vm", {}}, {"vm", {}}}, false);
  ASSERT_EQ(blind.nodes.size(), 1u);
  EXPECT_NE(blind.nodes[0].identity.Basis().find("hostname only"), std::string::npos);
}

TEST(GroupRanksIntoNodes, DifferentHostnamesAreDifferentNodesWhateverTheirIdentity) {
  // Network namespaces with hostnames of their own on one machine (tests/netns) stay distinct nodes.
  NodeGrouping g = GroupRanksIntoNodes({{"h1", kA}, {"h2", kA}}, false);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "h1");
  EXPECT_EQ(g.nodes[1].name, "h2");
}

TEST(GroupRanksIntoNodes, RankAsNodeMakesEachRankANodeAndKeepsItsOrigin) {
  NodeGrouping g = GroupRanksIntoNodes({{"vm", kA}, {"vm", kA}, {"vm", kB}}, true);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.rank_nodes, (std::vector<std::string>{"vm-r0", "vm-r1", "vm-r2"}));
  EXPECT_EQ(g.nodes[2].hostname, "vm");
  EXPECT_EQ(g.nodes[2].identity, kB);
  EXPECT_EQ(g.nodes[2].ranks, (std::vector<int>{2}));
}

std::vector<NodeRecord> Nodes(const std::vector<RankOrigin>& ranks, bool rank_as_node = false) {
  return GroupRanksIntoNodes(ranks, rank_as_node).nodes;
}

TEST(NodeIdentityVerdicts, OneMachineGivesNoVerdict) {
  EXPECT_TRUE(NodeIdentityVerdicts(Nodes({{"vm", kA}, {"vm", kA}})).empty());
  EXPECT_TRUE(NodeIdentityVerdicts(Nodes({{"vm", kA}, {"vm", kA}}, true)).empty());
  EXPECT_TRUE(NodeIdentityVerdicts(Nodes({{"h1", kA}, {"h2", kB}})).empty());
}

TEST(NodeIdentityVerdicts, TwoMachinesUnderOneHostnameFailBothAndNameBoth) {
  std::vector<Verdict> verdicts = NodeIdentityVerdicts(Nodes({{"vm", kA}, {"vm", kB}, {"other", kA}}));
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].subject, Subject::Node("vm"));
  EXPECT_EQ(verdicts[1].subject, Subject::Node("vm~2"));
  for (const Verdict& v : verdicts) {
    EXPECT_EQ(v.outcome, Outcome::kFail);
    EXPECT_EQ(v.probe, "node");
    EXPECT_EQ(v.metric, "node.identity");
    for (const char* part : {"hostname 'vm' answers for 2 machines", "machine-id aaaa1111", "boot id boot-a",
                             "machine-id bbbb2222", "boot id boot-b", "node vm (", "node vm~2 (", "rank 0)",
                             "rank 1)"}) {
      EXPECT_NE(v.reason.find(part), std::string::npos) << part << " not in: " << v.reason;
    }
  }
}

TEST(NodeIdentityVerdicts, RankAsNodeJudgesTheSameRule) {
  // Each rank is a node already; two machines under "vm" still fail, every node of both.
  std::vector<Verdict> verdicts = NodeIdentityVerdicts(Nodes({{"vm", kA}, {"vm", kA}, {"vm", kB}}, true));
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_NE(verdicts[0].reason.find("nodes vm-r0, vm-r1 (machine-id aaaa1111"), std::string::npos)
      << verdicts[0].reason;
  EXPECT_NE(verdicts[0].reason.find("ranks 0, 1)"), std::string::npos) << verdicts[0].reason;
  EXPECT_NE(verdicts[2].reason.find("node vm-r2 (machine-id bbbb2222"), std::string::npos) << verdicts[2].reason;
}

TEST(NodeIdentityVerdicts, ManyMachinesUnderOneHostnameKeepTheReasonShort) {
  std::vector<RankOrigin> ranks;
  for (int i = 0; i < 200; ++i) ranks.push_back({"localhost", Id("id" + std::to_string(i), "boot")});
  std::vector<Verdict> verdicts = NodeIdentityVerdicts(Nodes(ranks));
  ASSERT_EQ(verdicts.size(), 200u);
  EXPECT_NE(verdicts[0].reason.find("and 198 more"), std::string::npos) << verdicts[0].reason;
  EXPECT_LT(verdicts[0].reason.size(), 400u) << verdicts[0].reason;
}

TEST(NodeIdentityVerdicts, NodesWithoutAHostnameAreNotJudged) {
  std::vector<NodeRecord> simulated(2);
  simulated[0].name = "n0";
  simulated[1].name = "n1";
  simulated[1].identity = kB;
  EXPECT_TRUE(NodeIdentityVerdicts(simulated).empty());
}

class FakeRoots : public ::testing::Test {
 protected:
  Environment Env() const {
    Environment env;
    env.etc_root = (dir_.path() / "etc").string();
    env.procfs_root = (dir_.path() / "proc").string();
    env.sysfs_root = (dir_.path() / "sys").string();
    return env;
  }
  testing::TempDir dir_;
};

TEST_F(FakeRoots, ReadsMachineIdBootIdAndSerialTrimmed) {
  dir_.Write("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
  dir_.Write("proc/sys/kernel/random/boot_id", "7fd233e4-0cee-4ad9-b38d-ac1f401fc17c\n");
  dir_.Write("sys/class/dmi/id/product_serial", "  SN-42 \n");
  MachineIdentity id = ReadMachineIdentity(Env());
  EXPECT_EQ(id, Id("3d1219c7c4c5404aaa1f6d2a48adfda4", "7fd233e4-0cee-4ad9-b38d-ac1f401fc17c", "SN-42"));
  EXPECT_EQ(id.Basis(), "machine-id, boot id, serial");
}

TEST_F(FakeRoots, MissingOrPlaceholderMachineIdIsEmptyAndBoardSerialIsTheFallback) {
  dir_.Write("etc/machine-id", "uninitialized\n");
  dir_.Write("proc/sys/kernel/random/boot_id", "b\n");
  dir_.Write("sys/class/dmi/id/board_serial", "BOARD-7\n");
  MachineIdentity id = ReadMachineIdentity(Env());
  EXPECT_EQ(id, Id("", "b", "BOARD-7"));
  EXPECT_EQ(id.Basis(), "boot id (no /etc/machine-id), serial");
  EXPECT_TRUE(ReadMachineIdentity(Environment{"/nonexistent", "/nonexistent", "/nonexistent"}).Unknown());
}

TEST_F(FakeRoots, EveryReadIsCappedAndNeverBlocksOrFollowsIntoADevice) {
  // product_serial -> /dev/zero would read without end; a FIFO would block; a huge file is cut.
  std::filesystem::create_directories(dir_.path() / "sys/class/dmi/id");
  std::filesystem::create_symlink("/dev/zero", dir_.path() / "sys/class/dmi/id/product_serial");
  ASSERT_EQ(::mkfifo((dir_.path() / "sys/class/dmi/id/board_serial").c_str(), 0600), 0);
  dir_.Write("etc/machine-id", std::string(1 << 20, 'x'));
  dir_.Write("proc/sys/kernel/random/boot_id", "a\x1b[2Jb\xff\n");
  MachineIdentity id = ReadMachineIdentity(Env());
  EXPECT_EQ(id.serial, "");
  EXPECT_EQ(id.machine_id, std::string(kIdentityValueChars, 'x'));
  EXPECT_EQ(id.boot_id, "a?[2Jb?");
}

}  // namespace
}  // namespace kiln
