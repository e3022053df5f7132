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

TEST(BisectionLinks, ADilutedLinkAt232NodesTakesAtMost18Rounds) {
  // 1 whole-cluster group test first (its pass spares the node round, the matching and the closing test) + 9 cover +
  // at most 6 narrowing (the pair's own failure confirms it) + 2 residual checks (the failing group less each end:
  // residual_check.cpp): a guard against the rounds growing back (was 17-19 with the node round first; issue 26 asks
  // 12: not met, docs/bisection.md says why). A link within one cover block (77-78: blocks of 4) fails all 9 groups
  // of its block, and each is checked without it: about 10 rounds more.
  for (auto [a, b] : std::vector<std::pair<int, int>>{{3, 150}, {0, 231}, {77, 78}, {120, 12}}) {
    BisectOptions options;
    options.group_limit = 32;
    BisectResult r = Simulate(Cluster(232, {Link(a, b, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{std::min(a, b), std::max(a, b)}})) << r.conclusion;
    EXPECT_LE(r.rounds.size(), b == a + 1 ? 29u : 18u) << r.conclusion;
    ASSERT_FALSE(r.rounds.empty());
    EXPECT_EQ(r.rounds[0].stage, "group") << "the whole cluster's test runs first";
    EXPECT_EQ(std::count_if(r.rounds.begin(), r.rounds.end(), [](const RoundRecord& x) { return x.stage == "pair"; }), 0)
        << "the whole cluster passed: no matching";
    EXPECT_EQ(std::count_if(r.rounds.begin(), r.rounds.end(), [](const RoundRecord& x) { return x.stage == "node"; }), 0)
        << "the whole cluster passed: no node round";
  }
}

TEST(BisectionLinks, NoCoverSearchRoundRunsAfterThePairIsFoundOnlyToLookForASecondLink) {
  // bisection_rounds_spread 20 issue, 232 nodes under --sensitivity 32 (seeds 2001 and 2003): once the pair failed,
  // the group's other hypotheses (tested whole for a second link) took a round of their own after it, which the
  // residual check (the group less each end) repeats anyway. They now run only beside the narrowing.
  for (auto [a, b] : std::vector<std::pair<int, int>>{{139, 145}, {77, 209}}) {
    BisectOptions options;
    options.group_limit = 32;
    BisectResult r = Simulate(Cluster(232, {Link(a, b, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{a, b}})) << r.conclusion;
    EXPECT_EQ(unresolved, 0) << r.conclusion;
    auto found = std::find_if(r.rounds.begin(), r.rounds.end(), [](const RoundRecord& x) {
      return x.stage == "search" && x.conclusion.find("the pair fails") != std::string::npos;
    });
    ASSERT_NE(found, r.rounds.end()) << r.conclusion;
    EXPECT_TRUE(std::none_of(found + 1, r.rounds.end(), [](const RoundRecord& x) { return x.stage == "search"; }))
        << a << "-" << b << ": " << r.conclusion;
    EXPECT_TRUE(std::any_of(found + 1, r.rounds.end(), [](const RoundRecord& x) { return x.stage == "residual"; }))
        << "the group is still checked less each end";
  }
}

TEST(BisectionLinks, UnderASensitivityTheNodeRoundFollowsAWholeClusterThatFails) {
  // Under --sensitivity the whole cluster's group test runs before the node round: a node that fails in company
  // fails it, and then the node round runs as always (a node that fails alone is settled alone there). Without a
  // sensitivity below the cluster the node round stays first.
  BisectOptions options;
  options.group_limit = 32;
  for (int min_group : {1, 2}) {
    BisectResult r = Simulate(Cluster(232, {Slow(9, min_group), Link(14, 154, 32)}), options);
    int unresolved = 0;
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{9}, {14, 154}})) << min_group << ": " << r.conclusion;
    EXPECT_EQ(unresolved, 0) << r.conclusion;
    ASSERT_GE(r.rounds.size(), 2u);
    EXPECT_EQ(r.rounds[0].stage, "group");
    EXPECT_EQ(r.rounds[1].stage, "node");
  }
  BisectResult plain = Simulate(Cluster(232, {Slow(9)}));
  ASSERT_FALSE(plain.rounds.empty());
  EXPECT_EQ(plain.rounds[0].stage, "node");
}

// A loaded machine: from round `from` on, the first `groups` group trials, then the first `pairs` pair trials, that
// hold `node` without `spare` fail, whatever the cluster (timeouts that have nothing to do with the node).
class Noisy : public TrialExecutor {
 public:
  Noisy(const SimulatedCluster& cluster, int node, int spare, int from, int groups, int pairs)
      : inner_(cluster), node_(node), spare_(spare), from_(from), groups_(groups), pairs_(pairs) {}
  std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) override {
    std::vector<TrialResult> results = inner_.RunRound(trials);
    for (std::size_t i = 0; i < trials.size() && round_ >= from_; ++i) {
      const std::vector<int>& m = trials[i].members;
      int& left = trials[i].kind == TrialKind::kGroup ? groups_ : pairs_;
      if (trials[i].kind == TrialKind::kNode || left == 0 || (&left == &pairs_ && groups_ > 0) ||
          std::count(m.begin(), m.end(), node_) == 0 || std::count(m.begin(), m.end(), spare_) > 0) {
        continue;
      }
      --left;
      results[i].outcome = TrialOutcome::kFail;
      results[i].reason = "spurious";
    }
    ++round_;
    return results;
  }

 private:
  SimulatedExecutor inner_;
  int node_, spare_, from_, groups_, pairs_, round_ = 0;
};

TEST(BisectionLinks, ALinkAndOneSpuriousFailureDoNotAccuseItsEndAsANode) {
  // The namespace cover scenario under load: 8 hosts, a link 1-2, one matching then the cover (--every-pair-up-to 2
  // --cover-links). One cover group of node 1 fails spuriously besides the link's, so node 1 is a suspect; node 2's
  // only failing group held it, so node 2 was cleared, and was node 1's second settling partner: one spurious pair
  // failure and the link made two "failures in different company", and node 1 was accused as a node. Its partners
  // are now never the company of its failing groups: two spurious trials and a link accuse nobody.
  BisectOptions options;
  options.every_pair_up_to = 2;
  options.cover_links = true;
  SimulatedCluster healthy_ends = Cluster(8, {Link(1, 2)});
  Noisy noisy(healthy_ends, 1, 2, 2, 1, 1);
  BisectResult r = Bisect(healthy_ends.nodes, noisy, options);
  int unresolved = 0;
  EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{1, 2}})) << r.conclusion;
  // A real bad node beside the same noise is still accused, and the noisy node is not.
  for (int n : {8, 232}) {
    SimulatedCluster c = Cluster(n, {Slow(6), Link(1, 2)});
    Noisy noisy_too(c, 1, 2, 2, 1, 1);
    r = Bisect(c.nodes, noisy_too, options);
    EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{6}, {1, 2}})) << n << ": " << r.conclusion;
  }
}

TEST(BisectionLinks, SpuriousFailuresOfOneEndMakeTheDilutedLinkTestedOnceMoreNotANode) {
  // At 232 nodes under --sensitivity 32, two cover groups of end 3 fail spuriously: the narrowing of those groups
  // ends on nothing, and the link's own evidence is not taken as its confirmation (an end failed without the other):
  // the pair is tested again, and nobody is accused as a node.
  BisectOptions options;
  options.group_limit = 32;
  SimulatedCluster c = Cluster(232, {Link(3, 150, 32)});
  Noisy noisy(c, 3, 150, 2, 2, 0);
  BisectResult r = Bisect(c.nodes, noisy, options);
  int unresolved = 0;
  EXPECT_EQ(Named(r, unresolved), (std::set<std::vector<int>>{{3, 150}})) << r.conclusion;
  EXPECT_EQ(unresolved, 0) << r.conclusion;
  EXPECT_TRUE(std::any_of(r.rounds.begin(), r.rounds.end(), [](const RoundRecord& round) { return round.stage == "link"; }))
      << "the pair is tested once more";
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
