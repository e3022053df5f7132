// The bisection's vocabulary (bisection/vocabulary.hpp): its one JSON form read back, and the report's node lists
// (bisection/node_names.hpp) written as core's hostlists are.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "bisection/node_names.hpp"
#include "bisection/vocabulary.hpp"
#include "core/errors.hpp"
#include "core/hostlist.hpp"

namespace kiln {
namespace {

TEST(BisectionVocabulary, ATrialResultReadsBackAsItWasWritten) {
  TrialResult r{TrialOutcome::kHang, 12.5, "mpi.alltoall.busbw", "GB/s", "no result before the timeout", 3.25};
  TrialResult back = TrialResultFromJson(TrialResultJson(r));
  EXPECT_EQ(back.outcome, TrialOutcome::kHang);
  EXPECT_EQ(back.value, 12.5);
  EXPECT_EQ(back.metric, r.metric);
  EXPECT_EQ(back.unit, r.unit);
  EXPECT_EQ(back.reason, r.reason);
  EXPECT_EQ(back.seconds, 3.25);
  r.value.reset();
  EXPECT_FALSE(TrialResultFromJson(TrialResultJson(r)).value.has_value());
  for (TrialOutcome o : {TrialOutcome::kPass, TrialOutcome::kFail, TrialOutcome::kHang, TrialOutcome::kCrash,
                         TrialOutcome::kSkipped}) {
    EXPECT_EQ(ParseTrialOutcome(ToString(o)), o);
  }
  EXPECT_EQ(ParseTrialKind("pair"), TrialKind::kPair);
  EXPECT_FALSE(ParseTrialKind("triple").has_value());
}

TEST(BisectionVocabulary, AnUnknownOutcomeOrAWrongTypeIsRefusedNamingTheField) {
  nlohmann::json j = TrialResultJson({});
  j["outcome"] = "slow";
  try {
    TrialResultFromJson(j);
    FAIL() << "an unknown outcome was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"outcome\" is \"slow\""), std::string::npos) << e.what();
  }
  j = TrialResultJson({});
  j["value"] = "fast";
  EXPECT_THROW(TrialResultFromJson(j), InputError);
  j = TrialResultJson({});
  j.erase("seconds");
  EXPECT_THROW(TrialResultFromJson(j), InputError);
}

TEST(BisectionVocabulary, ATrialNamesItsNodesUnderTestAndItsPaddingApart) {
  std::vector<std::string> names{"node01", "node02", "node03", "gpu-a"};
  const NodeNames parsed(names);
  nlohmann::json j = TrialJson({TrialKind::kGroup, {0, 1, 3}, 2}, {TrialOutcome::kFail, 1.0, "m", "u", "why", 1}, parsed);
  EXPECT_EQ(j["kind"], "group");
  EXPECT_EQ(j["nodes"], "node[01-02]");
  EXPECT_EQ(j["padding"], "gpu-a");
  EXPECT_EQ(j["outcome"], "fail");
  EXPECT_EQ(TrialResultFromJson(j).reason, "why");
}

TEST(BisectionNodeNames, ListsAreCoresHostlistsByteForByte) {
  // Mixed prefixes and widths, plain names, names the notation cannot carry, duplicates, random subsets and orders.
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back(fmt::format("node{:04}", i));
  for (int i = 0; i < 40; ++i) names.push_back(fmt::format("gpu{}", i));
  for (std::string n : {"login", "alpha", "a1b", "x007", "x7", "n12345678901234567890"}) names.push_back(n);
  const NodeNames parsed(names);
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<int> nodes;
    const int count = static_cast<int>(random() % 60);
    for (int i = 0; i < count; ++i) nodes.push_back(static_cast<int>(random() % names.size()));
    std::vector<std::string> subset;
    for (int n : nodes) subset.push_back(names[static_cast<std::size_t>(n)]);
    EXPECT_EQ(parsed.List(nodes), NodeListJson(subset)) << round;
  }
  std::vector<std::string> special{"a[1]", "b"};
  EXPECT_EQ(NodeNames(special).List({0, 1}), NodeListJson(special));
}

}  // namespace
}  // namespace kiln
