// A node that fails only some of its tests (flapping) under a probe sensitivity (group limit): the
// cover's groups that hold it fail only sometimes, and the narrowing of such a group ends on pairs
// with it. It must be named as the node, as it is without a group limit, and no link with it
// accused.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"

namespace kiln {
namespace {

SimulatedFault Flapping(int node, double probability) {
  SimulatedFault f;
  f.kind = FaultKind::kFlappingNode;
  f.node = node;
  f.probability = probability;
  return f;
}

SimulatedFault DilutedLink(int a, int b, int max_group) {
  SimulatedFault f;
  f.kind = FaultKind::kSlowLink;
  f.node = a;
  f.other = b;
  f.max_group = max_group;
  return f;
}

SimulatedCluster Cluster(int nodes, std::vector<SimulatedFault> faults, std::uint64_t seed) {
  SimulatedCluster c;
  c.name = "sim";
  for (int i = 0; i < nodes; ++i) c.nodes.push_back(fmt::format("n{}", i));
  c.faults = std::move(faults);
  c.seed = seed;
  return c;
}

// What the search said, against the faults: every fault named (sorted members), nothing else,
// nothing unresolved.
std::string Verdict(const BisectResult& r, const std::vector<std::vector<int>>& faults) {
  std::vector<std::vector<int>> named;
  std::string wrong;
  for (const Finding& f : r.findings) {
    std::vector<int> m = f.members;
    std::sort(m.begin(), m.end());
    if (f.kind == FindingKind::kUnresolved) {
      wrong += fmt::format(" unresolved {}: {};", fmt::join(m, ","), f.reason);
    } else if (std::find(faults.begin(), faults.end(), m) == faults.end()) {
      wrong += fmt::format(" false {} {}: {};", f.kind == FindingKind::kLink ? "link" : "node",
                           fmt::join(m, ","), f.reason);
    } else {
      named.push_back(m);
    }
  }
  for (const std::vector<int>& fault : faults) {
    if (std::find(named.begin(), named.end(), fault) == named.end())
      wrong += fmt::format(" missed {};", fmt::join(fault, ","));
  }
  return wrong;
}

struct Case {
  int nodes, limit;
  double probability;
  bool with_link;
  int leaf = 0;  // > 0: the planner is given a tree of leaves of this many nodes (--topology)
};

void Check(const Case& c, std::uint64_t seeds) {
  const int flapper = c.nodes / 3 + 1;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    std::vector<SimulatedFault> faults{Flapping(flapper, c.probability)};
    std::vector<std::vector<int>> expected{{flapper}};
    if (c.with_link) {
      faults.push_back(DilutedLink(5, c.nodes - 7, c.limit));
      expected.push_back({5, c.nodes - 7});
    }
    SimulatedCluster cluster = Cluster(c.nodes, faults, seed);
    SimulatedExecutor executor(cluster);
    BisectOptions options;
    options.group_limit = c.limit;
    for (int i = 0; c.leaf > 0 && i < c.nodes; ++i) options.leaf_of.push_back(i / c.leaf);
    BisectResult r = Bisect(cluster.nodes, executor, options);
    EXPECT_EQ(Verdict(r, expected), "")
        << c.nodes << " nodes, limit " << c.limit << ", p " << c.probability
        << (c.with_link ? ", with a link" : "") << (c.leaf > 0 ? ", tree" : "") << ", seed " << seed
        << ": " << r.conclusion;
  }
}

TEST(BisectionFlapping, AFlappingNodeUnderAGroupLimitIsTheNodeNotLinks) {
  // The case found: 232 nodes, a sensitivity of 32, p = 0.6 (3-8 false links in 4 of 8 seeds).
  Check({232, 32, 0.6, false}, 8);
}

TEST(BisectionFlapping, FlappingNodesAtOtherSizesAndProbabilities) {
  for (int nodes : {64, 232, 1000}) {
    for (double p : {0.3, 0.6, 0.9}) {
      for (bool link : {false, true}) Check({nodes, nodes == 64 ? 16 : 32, p, link}, 4);
    }
  }
}

// Disabled: under --topology the flapping check is off (bisection/flapping_ends.cpp ConfirmNarrowedPairs): with it,
// nodes that a slow switch or uplink slowed in many companies were accused as flapping (BisectionRobust's
// switch-uplink-one-unplaced96 and WithdrawingExplainedUnresolvedNodesDoesNotCrash). Telling the two apart needs
// the topology's verdict before the flapping tests; not done.
TEST(BisectionFlapping, AFlappingNodeUnderATreeTopologyIsTheNode) {
  for (double p : {0.3, 0.6, 0.9}) {
    for (bool link : {false, true}) Check({232, 32, p, link, 32}, 4);
  }
}

}  // namespace
}  // namespace kiln
