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

int AffinePlaneOrder(int nodes) {
  auto prime = [](int q) {
    for (int d = 2; d * d <= q; ++d) {
      if (q % d == 0) return false;
    }
    return q >= 2;
  };
  int q = 2;
  while (static_cast<long long>(q) * q < nodes || !prime(q)) ++q;
  return q;
}

std::vector<GroupRound> AffinePlaneRounds(int nodes) {
  std::vector<GroupRound> rounds;
  if (nodes < 2) return rounds;
  const int q = AffinePlaneOrder(nodes);
  auto keep = [&](GroupRound& round, std::vector<int>&& group) {
    if (group.size() >= 2) round.push_back(std::move(group));
  };
  // Slope m: the lines y = m x + b (mod q), one per b; each point lies on exactly one of them.
  for (int m = 0; m < q; ++m) {
    GroupRound round;
    for (int b = 0; b < q; ++b) {
      std::vector<int> line;
      for (int x = 0; x < q; ++x) {
        int node = x * q + (m * x + b) % q;
        if (node < nodes) line.push_back(node);
      }
      keep(round, std::move(line));
    }
    rounds.push_back(std::move(round));
  }
  GroupRound vertical;  // the lines x = c
  for (int x = 0; x < q; ++x) {
    std::vector<int> line;
    for (int y = 0; y < q && x * q + y < nodes; ++y) line.push_back(x * q + y);
    keep(vertical, std::move(line));
  }
  rounds.push_back(std::move(vertical));
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
