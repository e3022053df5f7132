// Slow uplinks that cannot be told apart: when every leaf's traffic to the other leaves is slow and traffic inside
// each is not (two leaves: a slow uplink of either looks the same), cross-leaf tests cannot say which uplink, or
// the switch above, is at fault. Kiln says so instead of naming every leaf. Also TakeExplained, which the naming
// of a leaf (topology_stage.cpp) shares: the findings a leaf accounts for, withdrawn into its evidence.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "bisection/planner_impl.hpp"

namespace kiln {

bool Planner::UplinksAlike(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                           const std::vector<int>& inside, const std::vector<int>& rounds) {
  const auto leaves = std::count_if(under.begin(), under.end(), [](const std::vector<int>& u) { return !u.empty(); });
  // Two leaves: any uplink verdict is ambiguous, whichever leaf was checked (every outside partner is the other's).
  const bool alike = leaves == 2 ? !uplinks.empty() : uplinks.size() >= 2 && static_cast<std::ptrdiff_t>(uplinks.size()) == leaves;
  if (!alike) return false;
  std::set<int> all;
  for (const std::vector<int>& nodes : under) {
    const int leaf = nodes.empty() ? -1 : options_.leaf_of[static_cast<std::size_t>(nodes.front())];
    if (leaves == 2 || std::find(uplinks.begin(), uplinks.end(), leaf) != uplinks.end()) all.insert(nodes.begin(), nodes.end());
  }
  // What the leaves' cross traffic explains goes into this one finding: groups among them left open, links between
  // two of the leaves, nodes whose pair inside their leaf passed. A node failing inside and links inside stand.
  auto leaf = [&](int n) { return options_.leaf_of[static_cast<std::size_t>(n)]; };
  auto passed_inside = [&](int n) { return inside[static_cast<std::size_t>(n)] == 0; };
  const std::vector<int> evidence = TakeExplained(rounds, [&](const Finding& f) {
    const bool among = std::all_of(f.members.begin(), f.members.end(), [&](int n) { return all.count(n) > 0; });
    return among && ((f.kind == FindingKind::kUnresolved && f.members.size() > 1) ||
                     (f.kind == FindingKind::kLink && leaf(f.members[0]) != leaf(f.members[1])) ||
                     (f.members.size() == 1 && passed_inside(f.members[0])));
  });
  for (int node : all) {
    if (passed_inside(node)) At(node).accused = false;  // affected, not at fault
  }
  Unresolved({all.begin(), all.end()}, "topology",
             fmt::format("traffic between the {} leaves is slow and inside each it is not: the uplink of one of them "
                         "or the switch above, which tests across the leaves cannot tell apart",
                         leaves),
             evidence);
  Conclude(rounds.back(), fmt::format("every one of the {} leaves is slow only towards the others: which uplink "
                                      "cannot be told, left unresolved",
                                      leaves));
  return true;
}

std::vector<int> Planner::TakeExplained(std::vector<int> evidence, const std::function<bool(const Finding&)>& explained) {
  std::erase_if(result_.findings, [&](const Finding& f) {
    if (!explained(f)) return false;
    evidence.insert(evidence.end(), f.rounds.begin(), f.rounds.end());
    return true;
  });
  std::sort(evidence.begin(), evidence.end());
  evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
  return evidence;
}

}  // namespace kiln
