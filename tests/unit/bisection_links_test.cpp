// Links found by default (issue 26): covering designs within a probe's sensitivity, the narrowing of a failing
// group to its pair, links that only small tests show (dilution), and the 232-node comparison with NVIDIA's engine.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bisection/cover_design.hpp"
#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

SimulatedCluster Cluster(int nodes, std::vector<SimulatedFault> faults, std::uint64_t seed = 1) {
  SimulatedCluster c;
  c.name = "sim";
  for (int i = 0; i < nodes; ++i) c.nodes.push_back(fmt::format("n{}", i));
  c.faults = std::move(faults);
  c.seed = seed;
  return c;
}

SimulatedFault Fault(FaultKind kind, int node, int other = -1, int min_group = 2, double probability = 1) {
  SimulatedFault f;
  f.kind = kind;
  f.node = node;
  f.other = other;
  f.min_group = min_group;
  f.probability = probability;
  return f;
}
SimulatedFault Slow(int node, int min_group = 2) { return Fault(FaultKind::kSlowNode, node, -1, min_group); }
SimulatedFault Link(int a, int b, int max_group = 0) {
  SimulatedFault f = Fault(FaultKind::kSlowLink, a, b);
  f.max_group = max_group;
  return f;
}
SimulatedFault Hung(int node) { return Fault(FaultKind::kHungNode, node, -1, 1); }

BisectResult Simulate(const SimulatedCluster& cluster, BisectOptions options = {}) {
  SimulatedExecutor executor(cluster);
  return Bisect(cluster.nodes, executor, options);
}

// Every finding that is not unresolved, as sorted members, and the count of unresolved ones.
std::set<std::vector<int>> Named(const BisectResult& r, int& unresolved) {
  std::set<std::vector<int>> named;
  unresolved = 0;
  for (const Finding& f : r.findings) {
    if (f.kind == FindingKind::kUnresolved) {
      ++unresolved;
      continue;
    }
    std::vector<int> m = f.members;
    std::sort(m.begin(), m.end());
    named.insert(m);
  }
  return named;
}

TEST(BisectionCover, EveryPairMeetsInAGroupNoLargerThanTheLimit) {
  for (auto [n, limit] : std::vector<std::pair<int, int>>{{232, 32}, {232, 0}, {100, 24}, {777, 40}, {50, 6},
                                                           {1000, 64}, {9, 3}, {300, 2}}) {
    CoverDesign d = CoverRounds(n, limit);
    std::vector<char> met(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0);
    for (const auto& round : d.rounds) {
      std::set<int> seen;
      for (const auto& group : round) {
        if (limit > 0) {
          EXPECT_LE(static_cast<int>(group.size()), limit) << n << "/" << limit;
        }
        for (int a : group) {
          EXPECT_TRUE(seen.insert(a).second) << "a round's groups must be disjoint";
          for (int b : group) met[static_cast<std::size_t>(a * n + b)] = 1;
        }
      }
    }
    int missing = 0;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) missing += met[static_cast<std::size_t>(a * n + b)] ? 0 : 1;
    }
    EXPECT_EQ(missing, 0) << n << " nodes, groups of at most " << limit;
    if (limit > 0) {
      EXPECT_GE(static_cast<int>(d.rounds.size()), CoveringBound(n, limit));
    }
  }
  // 232 nodes in groups of at most 32: the plane of order 8 (GF(8)) over blocks of 4, 9 rounds; the bound is 8.
  CoverDesign d = CoverRounds(232, 32);
  EXPECT_EQ(d.order, 8);
  EXPECT_EQ(d.block, 4);
  EXPECT_EQ(d.rounds.size(), 9u);
  EXPECT_EQ(CoveringBound(232, 32), 8);
  EXPECT_TRUE(IsPrimePower(8) && IsPrimePower(9) && IsPrimePower(256) && !IsPrimePower(12) && !IsPrimePower(1));
}

TEST(BisectionLinks, ALinkOnlySmallTestsShowIsSimulatedAsDiluted) {
  SimulatedCluster c = Cluster(64, {Link(3, 40, 32)});
  SimulatedExecutor executor(c);
  std::vector<int> small{3, 40}, large{3, 40};
  for (int i = 0; i < 30; ++i) small.push_back(i + 4);
  for (int i = 0; i < 31; ++i) large.push_back(i + 4);
  std::vector<TrialResult> r = executor.RunRound({{TrialKind::kGroup, small, 32}});
  EXPECT_EQ(r[0].outcome, TrialOutcome::kFail);  // 32 nodes: shows
  r = executor.RunRound({{TrialKind::kGroup, large, 33}});
  EXPECT_EQ(r[0].outcome, TrialOutcome::kPass);  // 33 nodes: diluted away
}

TEST(BisectionLinks, TwoLinksAndThreeBadNodesAt16384AreFoundWithoutAnyFlag) {
  // Issue 26's case: before, both links were missed and 16,384 nodes left unresolved without --cover-links.
  std::vector<SimulatedFault> faults{Link(100, 9000), Link(5000, 16000), Slow(7777, 2000), Hung(1234), Slow(42)};
  BisectResult r = Simulate(Cluster(16384, faults));
  int unresolved = 0;
  std::set<std::vector<int>> named = Named(r, unresolved);
  EXPECT_EQ(named, (std::set<std::vector<int>>{{100, 9000}, {5000, 16000}, {7777}, {1234}, {42}})) << r.conclusion;
  EXPECT_EQ(unresolved, 0) << r.conclusion;
  EXPECT_TRUE(r.resolved) << r.conclusion;
}

TEST(BisectionLinks, ALinkHiddenFromTheWholeClusterIsFoundWithinTheSensitivity) {
  // The link shows only in tests of at most 32 nodes: the whole-cluster test passes, so the cover (groups of at
  // most 32) must find it. Other sizes and places than the bench's.
  for (auto [n, a, b] : std::vector<std::tuple<int, int, int>>{{232, 7, 190}, {300, 0, 299}, {1000, 500, 501}}) {
    BisectOptions options;
    options.group_limit = 32;
    BisectResult r = Simulate(Cluster(n, {Link(a, b, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{a, b}})) << n << ": " << r.conclusion;
    EXPECT_EQ(unresolved, 0) << r.conclusion;
    for (const RoundRecord& round : r.rounds) {
      if (round.stage == "group" || round.stage == "final") continue;  // the scale checks
      for (const Trial& t : round.trials) EXPECT_LE(t.members.size(), 32u) << round.stage;
    }
  }
}

TEST(BisectionLinks, AnEndOfAnUnknownLinkIsNotAccusedForFailingWithItInItsPadding) {
  // Found by bench/bisection_rounds_spread (232 nodes, seed 1003): node 5 shows only in groups of 29 or more, and
  // the split left n6 a single suspect whose padding held n75, its link's other end. Its confirmation drew n75
  // again, so n6 "failed twice in different company" and was accused as a node. A single's padding is now its
  // failed company, never drawn again for it: it passes there, and stays a warning (its one failure is left
  // unresolved) until the cover names the link.
  BisectResult r = Simulate(Cluster(232, {Slow(5, 29), Link(6, 75)}));
  int unresolved = 0;
  EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{5}, {6, 75}})) << r.conclusion;
  for (const Finding& f : r.findings) {
    if (f.kind == FindingKind::kUnresolved) {
      EXPECT_EQ(f.members, std::vector<int>{6}) << f.reason;
    }
  }
}

TEST(BisectionLinks, At232NodesRoundsStayWithinTheIssuesBudget) {
  BisectResult healthy = Simulate(Cluster(232, {}));
  EXPECT_LE(healthy.rounds.size(), 3u);
  EXPECT_TRUE(healthy.findings.empty());
  BisectResult bad = Simulate(Cluster(232, {Slow(101)}));
  EXPECT_LE(bad.rounds.size(), 4u) << bad.conclusion;
  int unresolved = 0;
  EXPECT_EQ(Named(bad, unresolved), (std::set<std::vector<int>>{{101}}));
}

TEST(BisectionLinks, ADilutedLinkInTheCoverGroupOfABadNodeIsStillFound) {
  // Found by bench/bisection_rounds_spread 5 issue (64 nodes, seed 2001) while the cover ran without the matching
  // before it: node 4 failed every cover group it was in, and the group holding the link 14-54 was dropped as
  // "explained by the accused node"; the group stage's test of 63 nodes cannot show a link that only groups of 32
  // show, so the link was missed with nothing left unresolved. Such a group now runs again without the accused node
  // (here the matching accuses node 4 first; the test keeps both paths honest).
  for (int n : {64, 232}) {
    BisectOptions options;
    options.group_limit = 32;
    BisectResult r = Simulate(Cluster(n, {Slow(4), Link(14, 54, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{4}, {14, 54}})) << n << ": " << r.conclusion;
    EXPECT_EQ(unresolved, 0) << r.conclusion;
  }
}

TEST(BisectionLinks, ADilutedLinkAt232NodesTakesAtMost21Rounds) {
  // 1 node round + 1 matching + 9 cover + at most 6 narrowing + 1 confirmation + 1 group + 2 residual checks (the
  // failing group less each end: residual_check.cpp): a guard against the rounds growing back (issue 26 asks 12:
  // not met, docs/bisection.md says why). A link within one cover block (77-78: blocks of 4) fails all 9 groups of
  // its block, and each is checked without it: about 10 rounds more.
  for (auto [a, b] : std::vector<std::pair<int, int>>{{3, 150}, {0, 231}, {77, 78}, {120, 12}}) {
    BisectOptions options;
    options.group_limit = 32;
    BisectResult r = Simulate(Cluster(232, {Link(a, b, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{std::min(a, b), std::max(a, b)}})) << r.conclusion;
    EXPECT_LE(r.rounds.size(), b == a + 1 ? 30u : 21u) << r.conclusion;
  }
}

TEST(BisectionSimulation, LinksTakeMaxGroupAndTheClusterItsSensitivity) {
  testing::TempDir dir;
  std::string path = (dir.path() / "c.xml").string();
  WriteFileAtomically(path, R"(<cluster nodes="100">
  <fault kind="slow_link" a="node01" b="node99" max_group="40"/>
  <fault kind="slow_link" a="node02" b="node98" max_group="24"/>
</cluster>
)");
  SimulatedCluster c = LoadSimulatedCluster(path);
  EXPECT_EQ(c.faults[0].max_group, 40);
  EXPECT_EQ(c.sensitivity, 24);  // unstated: the most diluted link's
  WriteFileAtomically(path, "<cluster nodes=\"100\" sensitivity=\"16\">\n"
                            "  <fault kind=\"slow_link\" a=\"node01\" b=\"node99\" max_group=\"40\"/>\n</cluster>\n");
  EXPECT_EQ(LoadSimulatedCluster(path).sensitivity, 16);
  WriteFileAtomically(path, "<cluster nodes=\"100\">\n  <fault kind=\"slow_link\" a=\"node01\" b=\"node99\" max_group=\"1\"/>\n</cluster>\n");
  try {
    LoadSimulatedCluster(path);
    FAIL() << "max_group=1 cannot hold a pair";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiln
