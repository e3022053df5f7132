#include "core/hostlist.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace kiln {
namespace {

TEST(Hostlist, CompressesRunsOfNumberedNames) {
  std::vector<std::string> names;
  for (int i = 0; i < 65536; ++i) {
    if (i != 17 && i != 20480) names.push_back(fmt::format("node{:05d}", i));
  }
  EXPECT_EQ(CompressHostlist(names), "node[00000-00016,00018-20479,20481-65535]");
  EXPECT_EQ(ExpandHostlist(CompressHostlist(names)), names);
}

TEST(Hostlist, KeepsPrefixesWidthsAndPlainNamesApart) {
  std::vector<std::string> names{"gpu7", "login", "node002", "node2", "node001", "rack1-n09", "rack1-n10", "gpu7"};
  std::string text = CompressHostlist(names);
  EXPECT_EQ(text, "gpu7,node[001-002],node2,rack1-n[09-10],login");
  std::vector<std::string> back = ExpandHostlist(text);
  EXPECT_EQ(back, (std::vector<std::string>{"gpu7", "node001", "node002", "node2", "rack1-n09", "rack1-n10", "login"}));
  EXPECT_EQ(CompressHostlist({}), "");
}

TEST(Hostlist, RefusesMalformedOrHugeText) {
  for (const char* bad : {"node[1-", "node[]", "node[3-1]", "node[1-2]x", "node[a-b]", ",node1", "a]b", "n[1,,2]"}) {
    EXPECT_THROW(ExpandHostlist(bad), InputError) << bad;
  }
  EXPECT_THROW(ExpandHostlist("n[0-999999999999]"), InputError);  // a trillion names
  EXPECT_THROW(ExpandHostlist("n[0-10]", 5), InputError);
  EXPECT_EQ(ExpandHostlist("n[0-4]", 5).size(), 5u);
}

TEST(Hostlist, NamesTheNotationCannotCarryStayAnArray) {
  // A hostname with a bracket or comma (settable in a UTS namespace) must not turn into other names.
  nlohmann::json odd = NodeListJson({"node1", "evil[1-3]"});
  ASSERT_TRUE(odd.is_array());
  EXPECT_EQ(NodesFromJson(odd), (std::vector<std::string>{"node1", "evil[1-3]"}));
  nlohmann::json plain = NodeListJson({"node1", "node2"});
  ASSERT_TRUE(plain.is_string());
  EXPECT_EQ(NodesFromJson(plain), (std::vector<std::string>{"node1", "node2"}));
  EXPECT_THROW(NodesFromJson(nlohmann::json(5)), InputError);
  EXPECT_THROW(NodesFromJson(nlohmann::json::array({1})), InputError);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(Hostlist, ShortListsStayShortAndReadable) {
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back(fmt::format("n{}", i * 2));  // no runs: a long hostlist
  std::string text = ShortNodeList(many, 40);
  EXPECT_EQ(text.size(), 40u);
  EXPECT_EQ(text.substr(37), "...");
  EXPECT_EQ(ShortNodeList({"a,b", "c"}), "a,b,c");  // no hostlist for names it cannot carry
  EXPECT_EQ(ShortNodeList({"node1", "node2", "node3"}), "node[1-3]");
}

}  // namespace
}  // namespace kiln
