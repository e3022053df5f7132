// Slow uplinks that cannot be told apart: when every leaf's traffic to the other leaves is slow and traffic inside
// each is not (two leaves: a slow uplink of either looks the same), cross-leaf tests cannot say which uplink, or
// the switch above, is at fault. Kiln says so instead of naming every leaf.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "bisection/planner_impl.hpp"

namespace kiln {

bool Planner::UplinksAlike(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                           const std::vector<int>& rounds) {
  const auto leaves = std::count_if(under.begin(), under.end(), [](const std::vector<int>& u) { return !u.empty(); });
  if (uplinks.size() < 2 || static_cast<std::ptrdiff_t>(uplinks.size()) != leaves) return false;
  std::set<int> all;
  for (int leaf : uplinks) all.insert(under[static_cast<std::size_t>(leaf)].begin(), under[static_cast<std::size_t>(leaf)].end());
  // What the leaves' cross traffic explains goes into this one finding: groups among them left open, links between
  // two of the leaves. Nodes accused and links inside a leaf stand (the inside tests passed around them).
  auto leaf = [&](int n) { return options_.leaf_of[static_cast<std::size_t>(n)]; };
  std::vector<int> evidence = rounds;
  std::erase_if(result_.findings, [&](const Finding& f) {
    const bool among = std::all_of(f.members.begin(), f.members.end(), [&](int n) { return all.count(n) > 0; });
    const bool explained = among && ((f.kind == FindingKind::kUnresolved && f.members.size() > 1) ||
                                     (f.kind == FindingKind::kLink && leaf(f.members[0]) != leaf(f.members[1])));
    if (explained) evidence.insert(evidence.end(), f.rounds.begin(), f.rounds.end());
    return explained;
  });
  std::sort(evidence.begin(), evidence.end());
  evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
  Unresolved({all.begin(), all.end()}, "topology",
             fmt::format("traffic between the {} leaves is slow and inside each it is not: the uplink of one of them "
                         "or the switch above, which tests across the leaves cannot tell apart",
                         uplinks.size()),
             evidence);
  Conclude(rounds.back(), fmt::format("every one of the {} leaves is slow only towards the others: which uplink "
                                      "cannot be told, left unresolved",
                                      uplinks.size()));
  return true;
}

}  // namespace kiln
