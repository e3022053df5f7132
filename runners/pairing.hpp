#pragma once
// Which nodes meet in which round of a pair probe (pure logic).

#include <utility>
#include <vector>

namespace kiln {

using Round = std::vector<std::pair<int, int>>;

// The circle method: n nodes meet every other node once in n-1 rounds (n rounds for odd n, one node
// resting per round), each round a set of disjoint pairs.
std::vector<Round> CircleRounds(int nodes);

// At most `max_rounds` of the circle rounds, spread evenly over all of them; 0 means all.
std::vector<Round> SelectRounds(int nodes, int max_rounds);

}  // namespace kiln
