// The partners of the leaves under check (topology_stage.cpp): each node of a checked leaf meets a node of another
// leaf that nothing implicates, so that a failure there speaks of the leaf's way out and not of the partner; the
// leaves take turns, scarce partners shared between them; with none left, checked nodes of two leaves meet.

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {

std::vector<int> Planner::OutsidePartners(const std::vector<int>& candidates, const std::vector<char>& implicated,
                                          const std::vector<char>& checked) const {
  // Tiers of partners: nothing implicates them and their leaf is not checked; then any node nothing implicates;
  // then any node not accused; last, accused nodes of unchecked leaves (a slow node fails its pair: weak evidence,
  // but better than a leaf left without a test). Each partner once.
  const std::vector<int>& leaf_of = options_.leaf_of;
  std::vector<std::vector<int>> tiers(4);
  for (std::size_t n = 0; n < state_.size(); ++n) {
    if (IsLinkEnd(static_cast<int>(n))) continue;
    const bool quiet = implicated[n] == 0;
    const bool elsewhere = leaf_of[n] < 0 || checked[static_cast<std::size_t>(leaf_of[n])] == 0;
    if (state_[n].accused && !elsewhere) continue;
    tiers[state_[n].accused ? 3 : quiet && elsewhere ? 0 : quiet ? 1 : 2].push_back(static_cast<int>(n));
  }
  std::vector<char> used(state_.size(), 0);
  for (int n : candidates) used[static_cast<std::size_t>(n)] = 1;
  std::vector<std::size_t> cursor(tiers.size(), 0);
  std::vector<int> partner(candidates.size(), -1);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const int own = leaf_of[static_cast<std::size_t>(candidates[i])];
    for (std::size_t t = 0; t < tiers.size() && partner[i] < 0; ++t) {
      for (std::size_t k = cursor[t]; k < tiers[t].size(); ++k) {
        const int p = tiers[t][k];
        if (used[static_cast<std::size_t>(p)] || leaf_of[static_cast<std::size_t>(p)] == own) continue;
        partner[i] = p;
        used[static_cast<std::size_t>(p)] = 1;
        if (k == cursor[t]) ++cursor[t];
        break;
      }
    }
  }
  return partner;
}

std::vector<Trial> Planner::OutsideTrials(const std::vector<int>& candidates, const std::vector<char>& implicated,
                                          const std::vector<char>& checked) const {
  // The leaves take turns (their first nodes, then their second ...): scarce partners are shared between them.
  std::vector<int> order = candidates;
  std::vector<int> rank(state_.size(), 0);
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    const auto here = static_cast<std::size_t>(candidates[i]), before = static_cast<std::size_t>(candidates[i - 1]);
    rank[here] = options_.leaf_of[here] == options_.leaf_of[before] ? rank[before] + 1 : 0;
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)]; });
  std::vector<int> partner = OutsidePartners(order, implicated, checked);
  std::vector<Trial> trials;
  std::vector<int> left;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (partner[i] >= 0) trials.push_back({TrialKind::kPair, {order[i], partner[i]}, 1});
    else left.push_back(order[i]);
  }
  SortByLeaf(left);
  // No partner left outside: two checked nodes of different leaves, each speaking for both (a slow uplink of
  // either fails it, the weakest evidence, used only when the cluster has nothing better). Sorted by leaf, the
  // first half meets the second, so that every leaf gets partners.
  const std::vector<int>& leaf_of = options_.leaf_of;
  auto leaf = [&](int n) { return leaf_of[static_cast<std::size_t>(n)]; };
  const std::size_t half = left.size() / 2;
  std::vector<int> rest;
  for (std::size_t i = 0; i < half; ++i) {
    if (leaf(left[i]) != leaf(left[i + half])) trials.push_back({TrialKind::kPair, {left[i], left[i + half]}, 2});
    else rest.insert(rest.end(), {left[i], left[i + half]});
  }
  if (left.size() % 2 == 1) rest.push_back(left.back());
  std::vector<char> paired(rest.size(), 0);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    for (std::size_t j = i + 1; j < rest.size() && paired[i] == 0; ++j) {
      if (paired[j] != 0 || leaf(rest[i]) == leaf(rest[j])) continue;
      paired[i] = paired[j] = 1;
      trials.push_back({TrialKind::kPair, {rest[i], rest[j]}, 2});
    }
  }
  return trials;
}

}  // namespace kiln
