#pragma once
// Which nodes meet in which round of a pair probe (pure logic).

#include <utility>
#include <vector>

namespace kiln {

using Round = std::vector<std::pair<int, int>>;

// The circle method: n nodes meet every other node once in n-1 rounds (n rounds for odd n, one node
// resting per round), each round a set of disjoint pairs.
std::vector<Round> CircleRounds(int nodes);

// Rounds of disjoint groups in which every pair of `nodes` meets exactly once: the lines of an affine plane of
// prime order q (the smallest with q*q >= nodes), node i the point (i / q, i % q). q+1 rounds of groups of at most
// q nodes, where every pair in pairs would take n-1 rounds. Groups of fewer than 2 nodes are left out.
using GroupRound = std::vector<std::vector<int>>;
std::vector<GroupRound> AffinePlaneRounds(int nodes);
// The order of that plane: the smallest prime q with q*q >= nodes (2 for fewer than 4 nodes).
int AffinePlaneOrder(int nodes);

// At most `max_rounds` of the circle rounds, spread evenly over all of them; 0 means all.
std::vector<Round> SelectRounds(int nodes, int max_rounds);

}  // namespace kiln
