#pragma once
// Covering designs for the bisection's cover stage (pure logic): rounds of disjoint groups of at most a given
// size in which every pair of nodes meets at least once, so that a slow pair that only a small group test shows
// (an all-to-all dilutes one slow pair among n nodes) fails some group.
//
// Construction: the nodes are cut into blocks of s consecutive nodes, the blocks are the points of an affine
// plane of prime-power order q (q*q*s >= n), and each of its q+1 parallel classes of lines is a round: a group is
// the nodes of the blocks on one line (at most q*s). Two blocks lie on exactly one common line, so every pair of
// nodes meets (pairs inside a block meet in every round). q is the smallest prime power with q*s <= limit.
// A limit below 2*sqrt(n) (no plane fits) falls back to blocks of limit/2 nodes meeting in the circle method.

#include <vector>

namespace kiln {

struct CoverDesign {
  int order = 0;  // q (0 for the circle fallback)
  int block = 1;  // s: nodes per point of the plane
  std::vector<std::vector<std::vector<int>>> rounds;  // rounds of disjoint groups of node indices 0..n-1
};

// `limit` >= 2 is the largest group; 0 means no limit (then groups of about n/7, 8 or 9 rounds). Groups of fewer
// than two nodes are left out.
CoverDesign CoverRounds(int nodes, int limit);

// The fewest rounds of disjoint groups of at most `limit` nodes in which every pair of `nodes` can meet:
// each node meets at most limit-1 others a round (the covering bound).
int CoveringBound(int nodes, int limit);

// Whether q is a power of a prime.
bool IsPrimePower(int q);

}  // namespace kiln
