// Residual checks (bisection/residual_check.cpp): a failing group is explained only when what was named accounts for
// it. Each case is a minimal one from the adversarial run on 69aee19 (/work/adv/bisect/cases), where one fault was
// named and the other missed while the report said "resolved, 0 unresolved", or an explained failure stayed open.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"

namespace kiln {
namespace {

SimulatedCluster Cluster(int nodes, std::vector<SimulatedFault> faults) {
  SimulatedCluster c;
  c.name = "sim";
  for (int i = 0; i < nodes; ++i) c.nodes.push_back(fmt::format("n{}", i));
  c.faults = std::move(faults);
  return c;
}

SimulatedFault Slow(int node, int min_group = 2) {
  SimulatedFault f;
  f.kind = FaultKind::kSlowNode;
  f.node = node;
  f.min_group = min_group;
  return f;
}

SimulatedFault Link(int a, int b, int max_group = 0) {
  SimulatedFault f;
  f.kind = FaultKind::kSlowLink;
  f.node = a;
  f.other = b;
  f.max_group = max_group;
  return f;
}

struct Outcome {
  std::set<std::vector<int>> named;  // sorted members of every finding that is not unresolved
  int unresolved = 0;
  BisectResult result;
};

Outcome Simulate(const SimulatedCluster& cluster, int group_limit) {
  SimulatedExecutor executor(cluster);
  BisectOptions options;
  options.group_limit = group_limit;
  Outcome out{{}, 0, Bisect(cluster.nodes, executor, options)};
  for (const Finding& f : out.result.findings) {
    if (f.kind == FindingKind::kUnresolved) {
      ++out.unresolved;
      continue;
    }
    std::vector<int> m = f.members;
    std::sort(m.begin(), m.end());
    out.named.insert(m);
  }
  return out;
}

using Named = std::set<std::vector<int>>;

TEST(BisectionResidual, TwoDilutedLinksOfOneNodeInOneCoverGroupAreBothNamed) {
  // The setting: 232 nodes, links shown only in tests of <= 32. Both links meet in the same cover group;
  // before, n0-n20 was named, the group counted as explained, and n0-n21 was missed with "resolved".
  Outcome o = Simulate(Cluster(232, {Link(0, 20, 32), Link(0, 21, 32)}), 32);
  EXPECT_EQ(o.named, (Named{{0, 20}, {0, 21}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
}

TEST(BisectionResidual, TwoParallelDilutedLinksBetweenTheSameBlocksAreBothNamed) {
  Outcome o = Simulate(Cluster(50, {Link(0, 20, 16), Link(1, 21, 16)}), 16);
  EXPECT_EQ(o.named, (Named{{0, 20}, {1, 21}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
}

TEST(BisectionResidual, ADilutedLinkTouchingABlockWithALinkInsideIsNamed) {
  Outcome o = Simulate(Cluster(50, {Link(3, 40, 16), Link(41, 42, 16)}), 16);
  EXPECT_EQ(o.named, (Named{{3, 40}, {41, 42}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
}

TEST(BisectionResidual, ANodeThatShowsOnlyAtScaleDoesNotHideADilutedLinkInItsCoverGroup) {
  // n86 fails tests of 8 nodes or more, so the cover group holding the link fails anyway and its narrowing (parts
  // below 8 pass) found nothing; n86 was accused later by the group stage, and the group never ran without it.
  Outcome o = Simulate(Cluster(100, {Slow(86, 8), Link(75, 43, 64)}), 64);
  EXPECT_EQ(o.named, (Named{{86}, {43, 75}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
  bool rechecked = std::any_of(o.result.rounds.begin(), o.result.rounds.end(),
                               [](const RoundRecord& r) { return r.stage == "residual"; });
  EXPECT_TRUE(rechecked);
}

TEST(BisectionResidual, SeventeenNodesWithASlowNodeAndTwoLinksNameAllThree) {
  // 17 nodes: the pair stage runs one matching (every pair only up to 16), and n16 is accused; the cover was then
  // skipped for the 16 left "because every pair met in pairs", which they had not, and both links were missed.
  Outcome o = Simulate(Cluster(17, {Slow(16), Link(7, 2), Link(15, 6)}), 0);
  EXPECT_EQ(o.named, (Named{{16}, {2, 7}, {6, 15}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
  EXPECT_TRUE(o.result.resolved) << o.result.conclusion;
}

TEST(BisectionResidual, AnEndOfANamedLinkIsNotLeftUnresolvedForTheLinksFailures) {
  // n14 failed once, in company holding both ends of a link found later; it stayed an "intermittent" unresolved.
  Outcome o = Simulate(Cluster(17, {Link(5, 14), Link(12, 10, 24)}), 24);
  EXPECT_EQ(o.named, (Named{{5, 14}, {10, 12}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
}

TEST(BisectionResidual, ANodeThatFailsOnlyInGroupsOfMoreThanHalfTheClusterIsNamed) {
  // n3 fails only in tests of 6 of the 10 nodes or more: no padded half (5) shows it, and each of the group stage's
  // 8 passes left the pair (n3, n9) unresolved, in 107 rounds. The group less n3 passes, less n9 fails: n3.
  // (Not yet: min_group exactly n/2 at 200 nodes, where the single suspect's padded retests fall below 100 nodes.)
  Outcome o = Simulate(Cluster(10, {Slow(3, 6)}), 0);
  EXPECT_EQ(o.named, (Named{{3}})) << o.result.conclusion;
  EXPECT_EQ(o.unresolved, 0) << o.result.conclusion;
}

TEST(BisectionResidual, ChecksCostNoRoundWhenNothingFailed) {
  // Healthy and one bad node: no cover group failed, so no residual round runs.
  for (const std::vector<SimulatedFault>& faults : {std::vector<SimulatedFault>{}, {Slow(101)}}) {
    Outcome o = Simulate(Cluster(232, faults), 32);
    for (const RoundRecord& r : o.result.rounds) EXPECT_NE(r.stage, "residual") << o.result.conclusion;
  }
}

}  // namespace
}  // namespace kiln
