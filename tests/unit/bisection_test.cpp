// The bisection planner against simulated clusters: it must name exactly the injected culprits, at scale,
// and never accuse a healthy node.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "core/errors.hpp"
#include "bisection/cover_design.hpp"
#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"
#include "tests/support/temp_dir.hpp"
#include "core/files.hpp"

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
SimulatedFault Link(int a, int b) { return Fault(FaultKind::kSlowLink, a, b); }
SimulatedFault Hung(int node) { return Fault(FaultKind::kHungNode, node, -1, 1); }
SimulatedFault Crash(int node) { return Fault(FaultKind::kCrashNode, node, -1, 1); }
SimulatedFault Flapping(int node, double p) { return Fault(FaultKind::kFlappingNode, node, -1, 2, p); }

std::set<std::vector<int>> Accused(const BisectResult& result, FindingKind kind) {
  std::set<std::vector<int>> accused;
  for (const Finding& f : result.findings) {
    if (f.kind != kind) continue;
    std::vector<int> m = f.members;
    std::sort(m.begin(), m.end());
    accused.insert(m);
  }
  return accused;
}

int Count(const BisectResult& result, FindingKind kind) {
  return static_cast<int>(std::count_if(result.findings.begin(), result.findings.end(),
                                        [&](const Finding& f) { return f.kind == kind; }));
}

BisectResult Simulate(const SimulatedCluster& cluster, BisectOptions options = {}) {
  SimulatedExecutor executor(cluster);
  return Bisect(cluster.nodes, executor, options);
}

TEST(Bisection, HealthyClusterAccusesNobodyInThreeRounds) {
  BisectResult r = Simulate(Cluster(4096, {}));
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.resolved);
  EXPECT_FALSE(r.group_failed);
  ASSERT_EQ(r.rounds.size(), 3u);  // node, pair, group: each once, all nodes at once
  EXPECT_EQ(r.rounds[0].stage, "node");
  EXPECT_EQ(r.rounds[1].stage, "pair");
  EXPECT_EQ(r.rounds[1].trials.size(), 2048u);
  EXPECT_EQ(r.rounds[2].stage, "group");
}

TEST(Bisection, FindsOneTwoAndFiveSlowNodesAmong4096WithNoFalseAccusation) {
  for (std::vector<int> culprits : {std::vector<int>{1234}, {7, 4000}, {3, 900, 901, 2500, 4095}}) {
    std::vector<SimulatedFault> faults;
    std::set<std::vector<int>> expected;
    for (int n : culprits) {
      faults.push_back(Slow(n));
      expected.insert({n});
    }
    BisectResult r = Simulate(Cluster(4096, faults));
    EXPECT_EQ(Accused(r, FindingKind::kNode), expected) << r.conclusion;
    EXPECT_EQ(Count(r, FindingKind::kLink), 0);
    EXPECT_EQ(Count(r, FindingKind::kUnresolved), 0) << r.conclusion;
    EXPECT_TRUE(r.resolved);
  }
}

TEST(Bisection, GroupStageAloneFindsFiveCulpritsWithinTwiceTheLowerBoundPerCulprit) {
  BisectOptions group_only;
  group_only.node_stage = group_only.pair_stage = false;
  std::vector<SimulatedFault> faults{Slow(10), Slow(1000), Slow(2000), Slow(3000), Slow(4000)};
  BisectResult r = Simulate(Cluster(4096, faults), group_only);
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{10}, {1000}, {2000}, {3000}, {4000}}));
  EXPECT_TRUE(r.group_failed);
  EXPECT_TRUE(r.resolved);
  // Binary splitting tests both halves: about 2 d log2(N/d) tests plus a confirmation each.
  double bound = CulpritSetLowerBound(4096, 5);
  EXPECT_GT(r.tests, bound);
  EXPECT_LT(r.tests, 2.5 * bound + 4 * 5);
  // log2(4096) levels at once, confirm, the check that each is no end of links into its two companies (one round:
  // each with a cleared partner, all at once; bisection/company_check.cpp), final.
  EXPECT_LE(static_cast<int>(r.rounds.size()), 12 + 5);
}

TEST(Bisection, SlowLinkIsALinkAndNeitherEndIsAccused) {
  BisectResult r = Simulate(Cluster(64, {Link(5, 40)}));
  EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{5, 40}}));
  EXPECT_EQ(Count(r, FindingKind::kNode), 0);
}

TEST(Bisection, LinkBetweenPairPartnersIsFoundToo) {
  BisectResult r = Simulate(Cluster(16, {Link(2, 3)}));  // nodes 2 and 3 meet in the first matching
  EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{2, 3}}));
  EXPECT_EQ(Count(r, FindingKind::kNode), 0);
  EXPECT_TRUE(r.resolved);
}

TEST(Bisection, HungAndCrashingNodesAreFoundAtTheNodeStage) {
  BisectResult r = Simulate(Cluster(256, {Hung(17), Crash(200)}));
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{17}, {200}}));
  for (const Finding& f : r.findings) EXPECT_EQ(f.stage, "node");
  EXPECT_TRUE(r.resolved);
}

TEST(Bisection, FaultThatShowsOnlyAtScaleIsFoundBecauseHalvesArePadded) {
  SimulatedCluster c = Cluster(4096, {Slow(3333, 1024)});
  BisectResult padded = Simulate(c);
  EXPECT_EQ(Accused(padded, FindingKind::kNode), (std::set<std::vector<int>>{{3333}}));
  EXPECT_TRUE(padded.resolved);

  BisectOptions unpadded;
  unpadded.keep_scale = false;
  BisectResult r = Simulate(c, unpadded);
  // The fault hides in the split's small groups; only the exclusion check's removal search (whole-sized tests less
  // parts of the nodes) finds it, in more rounds. (Before it, nobody was accused and the search did not finish.)
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{3333}})) << r.conclusion;
  EXPECT_GT(r.rounds.size(), padded.rounds.size()) << r.conclusion;
}

TEST(Bisection, FlappingNodeIsNeverBlamedOnAHealthyNode) {
  // A node failing 60% of its tests at random can, by chance, look like a bad link to one partner (it failed
  // with that partner three times and passed with others): the link named then always has it at one end.
  int caught = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    BisectResult r = Simulate(Cluster(128, {Flapping(77, 0.6), Slow(5)}, seed));
    bool named = false;
    for (const Finding& f : r.findings) {
      if (f.kind == FindingKind::kNode) {
        ASSERT_TRUE(f.members[0] == 77 || f.members[0] == 5) << "seed " << seed << ": accused n" << f.members[0]
                                                             << ": " << f.reason;
        named = named || f.members[0] == 77;
      }
      if (f.kind == FindingKind::kLink) {
        ASSERT_TRUE(f.members[0] == 77 || f.members[1] == 77) << "seed " << seed << ": " << f.reason;
        named = true;
      }
    }
    EXPECT_EQ(Accused(r, FindingKind::kNode).count({5}), 1u) << "seed " << seed;
    caught += named ? 1 : 0;
  }
  // A node that fails 60% of its tests passes some stages outright; measured: named in 20 of these 40 runs.
  EXPECT_GE(caught, 15);
}

TEST(Bisection, SmallClusterTestsEveryPairSoALinkBetweenAnyTwoNodesIsFound) {
  // 8 nodes: the circle method's 7 rounds meet every pair; a link between nodes that no matching or ring
  // puts side by side is found in the pair stage, and neither end is accused.
  for (auto [a, b] : std::vector<std::pair<int, int>>{{2, 6}, {0, 7}, {3, 4}}) {
    BisectResult r = Simulate(Cluster(8, {Link(a, b)}));
    EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{a, b}})) << a << "-" << b;
    EXPECT_EQ(Count(r, FindingKind::kNode), 0);
    EXPECT_EQ(Count(r, FindingKind::kUnresolved), 0) << r.conclusion;
    EXPECT_EQ(r.pairs_tested, 28);
    EXPECT_EQ(r.pairs_total, 28);
    EXPECT_NE(r.pair_coverage.find("every pair of the 8 nodes (28) in 7 round(s)"), std::string::npos) << r.pair_coverage;
    for (const Finding& f : r.findings) EXPECT_EQ(f.stage, "pair");
  }
}

TEST(Bisection, TwoBadLinksAtOneNodeAreTwoLinksNotANode) {
  BisectResult r = Simulate(Cluster(8, {Link(4, 5), Link(1, 5)}));
  EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{4, 5}, {1, 5}}));
  EXPECT_EQ(Count(r, FindingKind::kNode), 0);
  EXPECT_TRUE(r.resolved) << r.conclusion;
}

TEST(Bisection, HalfTheNodesBadInASmallClusterStillClearsTheRest) {
  // Among 4 nodes with 2 slow ones, each healthy node fails with 2 partners and passes with 1: the bad
  // nodes pass with nobody, so they are the suspects and the healthy ones clear each other.
  BisectResult r = Simulate(Cluster(4, {Slow(0), Slow(3)}));
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{0}, {3}}));
  EXPECT_EQ(Count(r, FindingKind::kLink), 0);
  EXPECT_EQ(Count(r, FindingKind::kUnresolved), 0) << r.conclusion;
}

TEST(Bisection, LargeClusterStatesThatOneMatchingCoversFewPairs) {
  BisectResult r = Simulate(Cluster(4096, {}));
  EXPECT_EQ(r.pairs_tested, 2048);
  EXPECT_EQ(r.pairs_total, 4096LL * 4095 / 2);
  EXPECT_NE(r.pair_coverage.find("1 matching(s): 2048 of the 8386560 pairs"), std::string::npos) << r.pair_coverage;
}

TEST(Bisection, TheCoverFindsALinkThatOneMatchingMissesBeforeTheGroupStageDoes) {
  // 1,024 nodes, one matching in the pair stage (it pairs 300 with 301, so that link is found there), then the
  // cover: 8 rounds in which every pair meets. 17-900 fails its one group, which is narrowed to the pair: the
  // cover finds it before the group stage would.
  BisectOptions options;
  options.cover_links = true;
  BisectResult r = Simulate(Cluster(1024, {Link(17, 900), Link(300, 301), Slow(5)}), options);
  EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{17, 900}, {300, 301}})) << r.conclusion;
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{5}}));
  EXPECT_EQ(Count(r, FindingKind::kUnresolved), 0) << r.conclusion;
  for (const Finding& f : r.findings) {
    if (f.kind == FindingKind::kLink) {
      EXPECT_EQ(f.stage, (f.members == std::vector<int>{300, 301} ? "pair" : "cover")) << f.reason;
    }
  }
  std::size_t cover_rounds = std::count_if(r.rounds.begin(), r.rounds.end(), [](const RoundRecord& round) { return round.stage == "cover"; });
  CoverDesign design = CoverRounds(1023, 0);  // the plane of order 7 over blocks of 21 nodes: 8 rounds
  EXPECT_EQ(cover_rounds, design.rounds.size());
  EXPECT_EQ(design.rounds.size(), 8u);
  EXPECT_EQ(r.pairs_tested, 1023 * 1022 / 2);  // every pair of the nodes left after the pair stage
  EXPECT_NE(r.pair_coverage.find("an affine plane of order 7"), std::string::npos) << r.pair_coverage;
  EXPECT_TRUE(r.resolved) << r.conclusion;
}

TEST(Bisection, TheCoverAccusesNoHealthyNodeOrLinkWhenANodeFlaps) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    BisectOptions options;
    options.cover_links = true;
    BisectResult r = Simulate(Cluster(512, {Flapping(77, 0.6), Link(10, 400)}, seed), options);
    for (const Finding& f : r.findings) {
      if (f.kind == FindingKind::kNode) {
        EXPECT_EQ(f.members[0], 77) << "seed " << seed << ": " << f.reason;
      }
      if (f.kind == FindingKind::kLink) {
        bool real = f.members == std::vector<int>{10, 400};
        bool flapper_end = f.members[0] == 77 || f.members[1] == 77;
        EXPECT_TRUE(real || flapper_end) << "seed " << seed << ": " << f.reason;
      }
    }
    EXPECT_EQ(Accused(r, FindingKind::kLink).count({10, 400}), 1u) << "seed " << seed << ": " << r.conclusion;
  }
}

TEST(Bisection, MixedFaultsAt8192NodesAreAllNamedAndNobodyElse) {
  // Issue 12's case: slow nodes, one that shows only in groups of 600 or more, a hung node, a crashing
  // node and a slow link between nodes far apart, plus a node failing 70% of its tests at random. The
  // fault needing scale is found first; the group then runs without it, so the link is not confounded
  // with it. Over 20 seeds nobody healthy is ever accused, with or without the cover. The flapper can steer
  // an uncontrolled narrowing wrong; measured without the cover: the link found in 19 of 20, the flapper named
  // in 12 of 20, 11 pairs left unresolved (warnings) over the 20 searches, at most 182 rounds. With it: see the
  // line this test prints (link 20 of 20, flapper 19 of 20, 1 unresolved elsewhere, at most 400 rounds).
  for (bool cover : {false, true}) {
    BisectOptions options;
    options.cover_links = cover;
    int link_found = 0, flapper_named = 0, unresolved_elsewhere = 0;
    std::size_t most_rounds = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      std::vector<SimulatedFault> faults{Slow(42), Slow(3001), Slow(5555), Slow(7000, 600), Hung(1234),
                                         Crash(6543), Link(100, 4100), Flapping(2222, 0.7)};
      BisectResult r = Simulate(Cluster(8192, faults, seed), options);
      std::set<std::vector<int>> nodes = Accused(r, FindingKind::kNode);
      flapper_named += nodes.erase({2222}) > 0 ? 1 : 0;
      EXPECT_EQ(nodes, (std::set<std::vector<int>>{{42}, {3001}, {5555}, {7000}, {1234}, {6543}}))
          << "seed " << seed << " cover " << cover;
      std::set<std::vector<int>> links = Accused(r, FindingKind::kLink);
      for (auto it = links.begin(); it != links.end();) {
        it = (*it)[0] == 2222 || (*it)[1] == 2222 ? links.erase(it) : std::next(it);
      }
      link_found += links.erase({100, 4100}) > 0 ? 1 : 0;
      EXPECT_TRUE(links.empty()) << "seed " << seed << " cover " << cover << ": a link accused between healthy nodes";
      for (const Finding& f : r.findings) {
        if (f.kind != FindingKind::kUnresolved) continue;
        bool flapper = std::find(f.members.begin(), f.members.end(), 2222) != f.members.end();
        flapper_named += flapper ? 1 : 0;
        unresolved_elsewhere += flapper ? 0 : 1;
      }
      most_rounds = std::max(most_rounds, r.rounds.size());
    }
    std::printf("cover %d: link found in %d of 20, flapper named in %d, %d unresolved elsewhere, at most %zu rounds\n",
                cover ? 1 : 0, link_found, flapper_named, unresolved_elsewhere, most_rounds);
    EXPECT_LT(most_rounds, cover ? 450u : 250u);  // measured: 182 and 400
    EXPECT_GE(link_found, 18) << cover;
    EXPECT_GE(flapper_named, 10) << cover;
    EXPECT_LE(unresolved_elsewhere, 15) << cover;
  }
}

TEST(Bisection, MixedFaultsWithoutTheFlapperResolveCompletely) {
  std::vector<SimulatedFault> faults{Slow(42), Slow(3001), Slow(5555), Slow(7000, 600), Hung(1234), Crash(6543),
                                     Link(100, 4100)};
  for (bool cover : {false, true}) {  // with the cover, the link is found there (98 rounds of the plane of order 97)
    BisectOptions options;
    options.cover_links = cover;
    BisectResult r = Simulate(Cluster(8192, faults), options);
    EXPECT_EQ(Count(r, FindingKind::kNode), 6) << cover;
    EXPECT_EQ(Accused(r, FindingKind::kLink), (std::set<std::vector<int>>{{100, 4100}})) << cover;
    EXPECT_EQ(Count(r, FindingKind::kUnresolved), 0) << cover << ": " << r.conclusion;
    EXPECT_TRUE(r.resolved) << cover;
    if (cover) {
      for (const Finding& f : r.findings) {
        if (f.kind == FindingKind::kLink) {
          EXPECT_EQ(f.stage, "cover") << f.reason;
        }
      }
    }
  }
}

// Every trial crashes: what a kiln binary replaced under a running search, or a broken launcher, looks like.
class EverythingCrashes : public TrialExecutor {
 public:
  std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) override {
    std::vector<TrialResult> results(trials.size());
    for (TrialResult& r : results) {
      r.outcome = TrialOutcome::kCrash;
      r.reason = "mpirun ended with exit 132 and no report";
    }
    return results;
  }
};

TEST(Bisection, EveryNodeFailingAloneIsACommonCauseNotEightCulprits) {
  std::vector<std::string> names{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"};
  EverythingCrashes executor;
  BisectResult r = Bisect(names, executor, {});
  EXPECT_EQ(Count(r, FindingKind::kNode), 0);
  ASSERT_EQ(Count(r, FindingKind::kUnresolved), 1);
  EXPECT_NE(r.findings[0].reason.find("a cause they share"), std::string::npos) << r.findings[0].reason;
  EXPECT_EQ(r.rounds.size(), 1u);  // the search stops: no later trial could be trusted
  EXPECT_FALSE(r.resolved);
}

// Node trials that report a compute rate: every node passes the baseline, one is far slower than its peers.
class RatedNodes : public TrialExecutor {
 public:
  explicit RatedNodes(std::vector<double> rates) : rates_(std::move(rates)) {}
  std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) override {
    std::vector<TrialResult> results(trials.size());
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (trials[i].kind != TrialKind::kNode) continue;  // pairs and groups pass
      results[i].value = rates_[static_cast<std::size_t>(trials[i].members[0])];
      results[i].metric = "host.cpu.gflops";
      results[i].unit = "GFLOPS";
    }
    return results;
  }

 private:
  std::vector<double> rates_;
};

TEST(Bisection, AStarvedNodeFailsAgainstItsPeersWhateverTheFloor) {
  std::vector<std::string> names{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"};
  RatedNodes starved({40, 38, 41, 6, 39, 42, 37, 40});  // h4 gets a seventh of the CPU its peers get
  BisectResult r = Bisect(names, starved, {});
  EXPECT_EQ(Accused(r, FindingKind::kNode), (std::set<std::vector<int>>{{3}}));
  ASSERT_FALSE(r.findings.empty());
  EXPECT_NE(r.findings[0].reason.find("below 50% of its peers' median"), std::string::npos) << r.findings[0].reason;
  // Healthy nodes on a loaded machine spread widely; none is half the median.
  RatedNodes noisy({30, 52, 41, 26, 47, 35, 44, 39});
  BisectResult healthy = Bisect(names, noisy, {});
  EXPECT_TRUE(healthy.findings.empty()) << healthy.conclusion;
}

TEST(Bisection, RoundsRecordTheirTrialsAndConclusions) {
  BisectResult r = Simulate(Cluster(32, {Slow(9)}));
  int tests = 0;
  for (const RoundRecord& round : r.rounds) {
    EXPECT_EQ(round.trials.size(), round.results.size());
    EXPECT_FALSE(round.conclusion.empty()) << round.stage;
    tests += static_cast<int>(round.trials.size());
    // Trials of one round never share a node.
    std::set<int> seen;
    for (const Trial& t : round.trials) {
      for (int n : t.members) EXPECT_TRUE(seen.insert(n).second) << "round " << round.index << " reuses n" << n;
    }
  }
  EXPECT_EQ(tests, r.tests);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_FALSE(r.findings[0].rounds.empty());
}

TEST(Bisection, LowerBoundIsLog2OfTheCulpritSets) {
  EXPECT_NEAR(CulpritSetLowerBound(4096, 1), 12.0, 1e-9);
  EXPECT_NEAR(CulpritSetLowerBound(64, 2), std::log2(64.0 * 63 / 2), 1e-9);
  EXPECT_EQ(CulpritSetLowerBound(64, 0), 0);
}

TEST(BisectionSimulation, LoadsAClusterFileAndNamesBadNodesWithTheirLine) {
  testing::TempDir dir;
  std::string good = (dir.path() / "c.xml").string();
  WriteFileAtomically(good, R"(<cluster name="c" nodes="100" prefix="gpu">
  <fault kind="slow_node" node="gpu07"/>
  <fault kind="slow_link" a="gpu01" b="gpu99"/>
  <fault kind="flapping_node" node="gpu50" probability="0.9"/>
</cluster>
)");
  SimulatedCluster c = LoadSimulatedCluster(good);
  ASSERT_EQ(c.nodes.size(), 100u);
  EXPECT_EQ(c.nodes[7], "gpu07");
  ASSERT_EQ(c.faults.size(), 3u);
  EXPECT_EQ(c.faults[1].other, 99);
  EXPECT_DOUBLE_EQ(c.faults[2].probability, 0.9);

  std::string bad = (dir.path() / "bad.xml").string();
  WriteFileAtomically(bad, "<cluster nodes=\"10\">\n  <fault kind=\"slow_node\" node=\"node10\"/>\n</cluster>\n");
  try {
    LoadSimulatedCluster(bad);
    FAIL() << "node10 is not in a 10-node cluster";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + ":2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("node10"), std::string::npos) << e.what();
  }
  WriteFileAtomically(bad, "<cluster nodes=\"10\">\n  <fault kind=\"melted\" node=\"node1\"/>\n</cluster>\n");
  EXPECT_THROW(LoadSimulatedCluster(bad), InputError);
}

}  // namespace
}  // namespace kiln
