// A fault that needs more nodes than the split's halves: the interaction's narrowing ends at a pair (x, y) that
// fails only together in the large group, while the pair itself passes. When a node fails only in groups of more
// than half the cluster (a slow node whose fault shows at scale), no padded half can show it, and every pass of the
// group stage used to leave that same pair unresolved. The group of every node left is then run less x, and less y
// (same size, so size cannot be the reason), twice: when it passes without x and still fails without y both times,
// the failure needs x and no pair: x is accused as a node, on failures in different company (the group, the group
// less y, twice) and two passes without it. Anything else stays unresolved, as before.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {

bool Planner::JudgeByExclusion(int x, int y, std::vector<int>& evidence) {
  const std::vector<int> group = GroupMembers();
  auto has = [&](int node) { return std::find(group.begin(), group.end(), node) != group.end(); };
  if (group.size() < 3 || !has(x) || !has(y)) return false;
  // Each exclusion twice, and the same answer both times: a node failing at random in the group (flapping) would
  // otherwise make one exclusion fail and the other pass by chance, and a healthy end would be accused.
  int passes_without[2] = {0, 0};
  const int ends[2] = {x, y};
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (int e = 0; e < 2; ++e) {
      std::vector<int> rest = group;
      std::erase(rest, ends[e]);
      Ran ran = RunRound("exclude", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
      evidence.push_back(ran.round);
      const bool pass = ran.results[0].outcome == TrialOutcome::kPass;
      passes_without[e] += pass ? 1 : 0;
      Conclude(ran.round, fmt::format("the {} nodes left, less {}: {}", group.size(),
                                      names_[static_cast<std::size_t>(ends[e])],
                                      pass ? "pass" : Describe(ran.results[0])));
    }
    if (repeat == 0 && passes_without[0] == passes_without[1]) return false;  // both needed, or neither
  }
  const bool x_out = passes_without[0] == 2 && passes_without[1] == 0;
  const bool y_out = passes_without[1] == 2 && passes_without[0] == 0;
  if (!x_out && !y_out) return false;  // the answers did not repeat: not one node's fault
  const int culprit = x_out ? x : y, other = x_out ? y : x;
  NodeState& s = At(culprit);
  s.evidence.insert(s.evidence.end(), evidence.begin(), evidence.end());
  Accuse(culprit, "group",
         fmt::format("the {} nodes left fail as a group, and without {} still; without {} they pass, while its pair "
                     "with {} and groups of half the nodes pass: a fault that shows only in large groups",
                     group.size(), names_[static_cast<std::size_t>(other)], names_[static_cast<std::size_t>(culprit)],
                     names_[static_cast<std::size_t>(other)]));
  return true;
}

}  // namespace kiln
