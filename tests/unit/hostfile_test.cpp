#include "runners/hostfile.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace kiln {
namespace {

TEST(ParseHostfile, ReadsHostsSlotsAndComments) {
  auto hosts = ParseHostfile("# rack 1\nnode01 slots=8\nnode02   # spare\n\nnode03 slots=4 max_slots=8\n", "h");
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].name, "node01");
  EXPECT_EQ(hosts[0].slots, 8);
  EXPECT_EQ(hosts[1].slots, 1);
  EXPECT_EQ(hosts[2].line, 5);
}

TEST(ParseHostfile, RejectsAHostListedTwiceNamingBothLines) {
  try {
    ParseHostfile("node01\nnode02\nnode01 slots=2\n", "hosts.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "hosts.txt:3: host 'node01' is listed twice (first on line 1)");
  }
}

TEST(ParseHostfile, RejectsBadSlotsUnknownWordsAndEmptyFiles) {
  EXPECT_THROW(ParseHostfile("node01 slots=-2\n", "h"), InputError);
  EXPECT_THROW(ParseHostfile("node01 slots=abc\n", "h"), InputError);
  EXPECT_THROW(ParseHostfile("node01 cpus=4\n", "h"), InputError);
  EXPECT_THROW(ParseHostfile("# nothing\n\n", "h"), InputError);
}

TEST(ParseHostfile, RejectsNamesThatWouldReachSshAsOptionsOrCarryControls) {
  for (const char* hostile : {"-v\n", "-oProxyCommand=touch_x\n", "node\x01\n", "a;b\n", "$(id)\n"}) {
    try {
      ParseHostfile(hostile, "hosts");
      ADD_FAILURE() << "accepted " << hostile;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("hosts:1: host"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ParseHostfile("node-01.rack2\n10.0.0.5\n3com.example\n", "h").size(), 3u);
}

std::vector<std::string> Names(const std::vector<HostEntry>& hosts) {
  std::vector<std::string> names;
  for (const HostEntry& h : hosts) names.push_back(h.name);
  return names;
}

TEST(HostsMissing, NamesMatchAndAddressesOrAliasesCountAsJoinedWhenEnoughNodesCame) {
  auto hosts = ParseHostfile("node1.cluster.local\nnode2\nlocalhost\n10.0.0.5\n", "h");
  EXPECT_TRUE(HostsMissing(hosts, {"node1", "node2", "login", "node7"}).empty());
  // One node short: the hosts that no name explains are the ones that may be missing.
  EXPECT_EQ(Names(HostsMissing(hosts, {"node1", "node2", "login"})), (std::vector<std::string>{"localhost", "10.0.0.5"}));
  EXPECT_EQ(Names(HostsMissing(hosts, {"node2", "login", "node7"})), (std::vector<std::string>{"node1.cluster.local"}));
  EXPECT_EQ(Names(HostsMissing(ParseHostfile("a\nb\n", "h"), {"a"})), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace kiln
