#include "runners/pairing.hpp"

#include <algorithm>

namespace kiln {

std::vector<Round> CircleRounds(int nodes) {
  std::vector<Round> rounds;
  if (nodes < 2) return rounds;
  // With an odd count, a phantom node makes it even; whoever meets it rests that round.
  int n = nodes % 2 == 0 ? nodes : nodes + 1;
  std::vector<int> ring(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ring[static_cast<std::size_t>(i)] = i;
  for (int r = 0; r < n - 1; ++r) {
    Round round;
    for (int i = 0; i < n / 2; ++i) {
      int a = ring[static_cast<std::size_t>(i)];
      int b = ring[static_cast<std::size_t>(n - 1 - i)];
      if (a < nodes && b < nodes) round.emplace_back(std::min(a, b), std::max(a, b));
    }
    rounds.push_back(std::move(round));
    // Node 0 stays; the others rotate one place.
    std::rotate(ring.begin() + 1, ring.end() - 1, ring.end());
  }
  return rounds;
}

std::vector<Round> SelectRounds(int nodes, int max_rounds) {
  std::vector<Round> all = CircleRounds(nodes);
  if (max_rounds <= 0 || max_rounds >= static_cast<int>(all.size())) return all;
  std::vector<Round> chosen;
  for (int i = 0; i < max_rounds; ++i) {
    chosen.push_back(all[static_cast<std::size_t>(i) * all.size() / static_cast<std::size_t>(max_rounds)]);
  }
  return chosen;
}

}  // namespace kiln
