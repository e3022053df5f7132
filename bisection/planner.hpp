#pragma once
// Bisection: finds the nodes (and links) whose presence makes a test fail, by rounds of tests on chosen
// subsets of the nodes. Pure logic: the planner decides who runs together and what the results mean; an
// executor runs each round's trials (disjoint sets of nodes) at the same time, for real (mpirun/srun) or in
// a simulation.
//
// Strategy, stopping as soon as the culprits are certain:
//   1. node:  the node-local probe on every node at once; a node that fails alone is a culprit.
//   2. pair:  every pair of a small cluster (the circle method's n-1 rounds of disjoint pairs), one matching
//             of a large one; a node failing with most of its partners is re-paired with a node proven good,
//             and failing with two different good partners makes it a culprit; a pair whose members both
//             pass with others is a culprit link (when it fails twice more).
//   2b. cover (clusters above every_pair_up_to, when the group probe cannot see one slow pair in the whole
//             cluster, or asked for): the group probe on the groups of an affine plane, every pair of nodes in a
//             group; a failing group narrowed by halving to its bad pair (link_search.cpp). When the probe cannot
//             see one slow pair in the whole cluster, the whole cluster's group test runs first, before stage 1:
//             passing, it spares stage 1, the matching and stage 3 (no node fails in company, nothing fails at
//             scale).
//   3. group: the group probe on the rest; when it fails, adaptive binary splitting: every failing group is
//             split in halves, all halves run at once, failing halves recurse. Halves are padded with nodes
//             already cleared so that a fault that shows only at scale keeps showing. When nodes are accused
//             meanwhile, the group runs again without them before any interaction (a group failing while
//             both halves pass: a link between them) is narrowed, so that a fault needing a large group and
//             a link never confound each other.
// Node trials with a value are compared with their peers (a starved or down-clocked node), not only floors.
// Nobody is accused on one result: every accusation rests on two failures with different company.
// Results that do not repeat are reported as unresolved, never as a culprit.

#include <string>
#include <vector>

#include "bisection/vocabulary.hpp"

namespace kiln {

struct BisectOptions {
  bool node_stage = true;
  bool pair_stage = true;
  bool group_stage = true;
  int retests = 3;          // extra tests of a suspect whose failures do not repeat, before it is left unresolved
  bool keep_scale = true;   // pad halves with cleared nodes up to half the group
  int max_rounds = 10000;   // a bound no real search reaches; past it the search stops and says so
  int every_pair_up_to = 16;  // clusters up to this many nodes test every pair (n-1 rounds); larger: one matching
  // Always a covering schedule of the group probe (an all-to-all): q+1 rounds of groups of at most q ~ sqrt(n)
  // nodes (or group_limit) in which every pair meets; a failing group is then narrowed to its bad pair. Without
  // it the cover runs when the group probe cannot see one slow pair in the whole cluster (group_limit), or when
  // the group stage leaves the cluster failing unexplained.
  bool cover_links = false;
  // The probe's sensitivity: the largest group test in which one slow pair still shows (an all-to-all spreads
  // its traffic over n-1 partners, so one slow pair moves about 1/n of it); 0 = any size. Group tests meant to
  // show a link (the cover, the narrowing) stay within it.
  int group_limit = 0;
  // The fabric's tree (bisection/topology.hpp): per node its leaf switch (-1: none); empty: no topology. With it
  // pairs and halves follow the leaves (tests within a leaf before across), and a leaf whose nodes are mostly
  // implicated is tested alone: failing, the switch is at fault; passing, its uplink.
  std::vector<int> leaf_of;
  // Node trials that carry a value (a compute rate: higher is better) are also judged against each other: a
  // node below this share of the first node round's median fails, whatever the baseline's floor.
  double peer_share = 0.5;
};

struct BisectResult {
  std::vector<Finding> findings;
  std::vector<RoundRecord> rounds;
  int tests = 0;                // trials run, over all rounds
  bool group_failed = false;    // the group probe failed on the nodes left after stages 1 and 2
  bool resolved = false;        // the nodes left after the culprits pass every stage's probe
  std::string conclusion;
  // What the pair stage covered and what it cost: "every pair of the 8 nodes (28) in 7 rounds".
  std::string pair_coverage;
  long long pairs_tested = 0;   // distinct pairs in the pair stage's first rounds
  long long pairs_total = 0;    // n(n-1)/2 of the nodes that entered the pair stage
};

// Nodes are numbered by their place in `names` (the names only word the conclusions). Throws
// std::invalid_argument for an empty list.
BisectResult Bisect(const std::vector<std::string>& names, TrialExecutor& executor, const BisectOptions& options);

// log2 of the number of sets of `culprits` nodes among `nodes`: no strategy asking yes/no questions of
// one test each can need fewer tests in the worst case.
double CulpritSetLowerBound(int nodes, int culprits);

}  // namespace kiln
