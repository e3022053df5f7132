// Slow uplinks that cannot be told apart: when every leaf's traffic to the other leaves is slow and traffic inside
// each is not (two leaves: a slow uplink of either looks the same), cross-leaf tests cannot say which uplink, or
// the switch above, is at fault. Kiln says so instead of naming every leaf. A leaf under a slow switch counts for
// nothing here: its traffic is slow both ways, so three leaves, one with a slow switch, are two alike.
// Before that, uplinks that can be told apart are (SeparateUplinks): a leaf judged slow only because its partners
// outside were nodes of another slow leaf meets the other such leaves, and nodes outside them, in pairs; a pair that
// passes clears both its leaves. Also TakeExplained, which the naming of a leaf (topology_stage.cpp) shares: the
// findings a leaf accounts for, withdrawn into its evidence.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>

#include "bisection/planner_impl.hpp"

namespace kiln {

std::vector<int> Planner::NodesOutside(const std::vector<char>& candidate, const std::vector<char>& switched) const {
  // Nodes outside every candidate leaf and every slow switch: quiet ones first, accused ones last (weak evidence).
  std::vector<int> others, doubtful;
  for (std::size_t n = 0; n < state_.size(); ++n) {
    const int leaf = options_.leaf_of[n];
    if (leaf >= 0 && (candidate[static_cast<std::size_t>(leaf)] != 0 || switched[static_cast<std::size_t>(leaf)] != 0)) {
      continue;
    }
    (state_[n].accused || state_[n].bad > 0 ? doubtful : others).push_back(static_cast<int>(n));
  }
  others.insert(others.end(), doubtful.begin(), doubtful.end());
  return others;
}

std::vector<char> Planner::PassedAcross(const std::vector<std::vector<int>>& under, std::vector<char>* failed,
                                       const std::vector<char>* switched) const {
  // Per leaf: a passing test held one of its nodes and a node elsewhere, at a size the probe sees a slow pair in (its
  // uplink is fine); with `failed`, also whether a pair of one of its nodes with a node elsewhere, under no slow
  // switch (`switched`), failed.
  const std::vector<int>& leaf_of = options_.leaf_of;
  const std::size_t seen = options_.group_limit > 1 ? static_cast<std::size_t>(options_.group_limit) : state_.size();
  std::vector<char> passed(under.size(), 0);
  if (failed != nullptr) failed->assign(under.size(), 0);
  for (const RoundRecord& record : result_.rounds) {
    for (std::size_t t = 0; t < record.trials.size(); ++t) {
      const std::vector<int>& m = record.trials[t].members;
      const int first = leaf_of[static_cast<std::size_t>(m.front())];
      const bool across = first < 0 || std::any_of(m.begin(), m.end(), [&](int n) { return leaf_of[static_cast<std::size_t>(n)] != first; });
      if (!across) continue;
      const bool pass = record.results[t].outcome == TrialOutcome::kPass;
      std::vector<char>* mark = pass && m.size() <= seen ? &passed
                                : !pass && m.size() == 2 && IsBad(record.results[t].outcome) ? failed : nullptr;
      if (mark == nullptr) continue;
      if (!pass && switched != nullptr && std::any_of(m.begin(), m.end(), [&](int n) {
            const int leaf = leaf_of[static_cast<std::size_t>(n)];
            return leaf >= 0 && (*switched)[static_cast<std::size_t>(leaf)] != 0;
          })) {
        continue;
      }
      for (int n : m) {
        const int leaf = leaf_of[static_cast<std::size_t>(n)];
        if (leaf >= 0) (*mark)[static_cast<std::size_t>(leaf)] = 1;
      }
    }
  }
  return passed;
}

std::vector<int> Planner::LeavesInDoubt(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                                        const std::vector<char>& switched) const {
  // A leaf of two nodes or more that no passing test has shown healthy towards the rest of the fabric, while a pair
  // of one of its nodes with a node elsewhere failed. Its nodes pass with each other, so they served as cleared
  // partners, and every leaf that met them looked slow: its uplink is as much a suspect as theirs (random
  // clusters: the uplink of the partners' leaf missed, a healthy leaf's named instead).
  std::vector<char> failed;
  const std::vector<char> passed = PassedAcross(under, &failed, &switched);
  std::vector<int> doubt;
  for (std::size_t leaf = 0; leaf < under.size(); ++leaf) {
    const bool listed = std::find(uplinks.begin(), uplinks.end(), static_cast<int>(leaf)) != uplinks.end();
    if (!listed && switched[leaf] == 0 && under[leaf].size() >= 2 && passed[leaf] == 0 && failed[leaf] != 0) {
      doubt.push_back(static_cast<int>(leaf));
    }
  }
  return doubt;
}

std::vector<std::vector<int>> Planner::CleanNodes(const std::vector<int>& judged, const std::vector<int>& doubt,
                                                  const std::vector<std::vector<int>>& under,
                                                  const std::vector<int>& inside) const {
  // Per candidate leaf its nodes that passed inside it (no fault of their own in a pair), taken in turn; of a leaf
  // in doubt, its nodes that nothing accuses (they passed with each other before).
  std::vector<std::vector<int>> clean(under.size());
  for (int leaf : judged) {
    for (int n : under[static_cast<std::size_t>(leaf)]) {
      if (inside[static_cast<std::size_t>(n)] == 0) clean[static_cast<std::size_t>(leaf)].push_back(n);
    }
  }
  for (int leaf : doubt) {
    for (int n : under[static_cast<std::size_t>(leaf)]) {
      if (!state_[static_cast<std::size_t>(n)].accused) clean[static_cast<std::size_t>(leaf)].push_back(n);
    }
  }
  return clean;
}

std::vector<int> Planner::SeparateUplinks(const std::vector<int>& judged, const std::vector<std::vector<int>>& under,
                                          const std::vector<int>& inside, const std::vector<char>& switched,
                                          std::vector<int>& rounds, bool& separated) {
  separated = false;
  const std::vector<int> doubt = LeavesInDoubt(judged, under, switched);
  std::vector<int> uplinks = judged;
  uplinks.insert(uplinks.end(), doubt.begin(), doubt.end());
  if (uplinks.size() < 2 && doubt.empty()) return uplinks;  // one leaf judged alone: nothing to tell apart
  const std::vector<int>& leaf_of = options_.leaf_of;
  std::vector<char> candidate(under.size(), 0);
  for (int leaf : uplinks) candidate[static_cast<std::size_t>(leaf)] = 1;
  std::vector<std::vector<int>> clean = CleanNodes(judged, doubt, under, inside);
  const std::vector<int> others = NodesOutside(candidate, switched);
  std::vector<std::size_t> next(under.size(), 0);
  auto take = [&](int leaf) {
    std::vector<int>& nodes = clean[static_cast<std::size_t>(leaf)];
    std::size_t& k = next[static_cast<std::size_t>(leaf)];
    return k < nodes.size() ? nodes[k++] : -1;
  };
  // First one partner outside for each (the plainest evidence), then each two of them, then a second outside. A
  // pair that is a named link says nothing of the uplinks and is not run.
  std::vector<Trial> trials;
  auto add = [&](int a, int b, int under_test) {
    if (a < 0 || b < 0) return;
    Trial t{TrialKind::kPair, {a, b}, under_test};
    if (!HoldsAnAccusedLink(t.members)) trials.push_back(std::move(t));
  };
  std::size_t other = 0;
  std::vector<char> met_outside(under.size(), 0);
  auto outside = [&] {
    for (int leaf : uplinks) {
      if (other < others.size() && next[static_cast<std::size_t>(leaf)] < clean[static_cast<std::size_t>(leaf)].size()) {
        add(take(leaf), others[other++], 1);
        met_outside[static_cast<std::size_t>(leaf)] = 1;
      }
    }
  };
  outside();
  for (std::size_t i = 0; i < uplinks.size(); ++i) {
    for (std::size_t j = i + 1; j < uplinks.size(); ++j) add(take(uplinks[i]), take(uplinks[j]), 2);
  }
  outside();
  if (trials.empty()) return judged;
  std::vector<char> cleared(under.size(), 0), failed(under.size(), 0);
  int last_round = -1;
  // Few nodes outside (a leaf of one node, a node under no leaf) are the only ones that tell the leaves apart:
  // each leaf meets one of them, over more rounds when there are fewer of them than leaves.
  for (std::size_t extra = 0; !trials.empty(); ++extra) {
    Ran ran = RunRound("leaf", trials);
    rounds.push_back(last_round = ran.round);
    for (std::size_t t = 0; t < trials.size(); ++t) {
      std::vector<char>& mark = ran.results[t].outcome == TrialOutcome::kPass ? cleared : failed;
      for (int n : trials[t].members) {
        if (leaf_of[static_cast<std::size_t>(n)] >= 0) mark[static_cast<std::size_t>(leaf_of[static_cast<std::size_t>(n)])] = 1;
      }
    }
    trials.clear();
    if (extra + 1 >= uplinks.size()) break;
    other = 0;
    for (int leaf : uplinks) {
      const auto l = static_cast<std::size_t>(leaf);
      if (met_outside[l] != 0 || cleared[l] != 0 || other >= others.size()) continue;
      next[l] = 0;  // its clean nodes again: each round is its own
      add(take(leaf), others[other++], 1);
      met_outside[l] = 1;
    }
  }
  std::vector<int> kept;  // a leaf in doubt stays only on a failure here (not merely for want of a test)
  std::copy_if(uplinks.begin(), uplinks.end(), std::back_inserter(kept), [&](int leaf) {
    const bool judged_here = std::find(judged.begin(), judged.end(), leaf) != judged.end();
    return cleared[static_cast<std::size_t>(leaf)] == 0 && (judged_here || failed[static_cast<std::size_t>(leaf)] != 0);
  });
  separated = kept.size() < uplinks.size();
  Conclude(last_round, fmt::format("{} leaves slow towards their partners outside, in pairs with each other and with "
                                  "nodes outside them: {} pass with someone (their uplink is fine: the partners' "
                                  "was slow)",
                                  uplinks.size(), uplinks.size() - kept.size()));
  return kept;
}

std::vector<int> Planner::UplinksAlike(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                                       const std::vector<int>& inside, const std::vector<char>& switched,
                                       const std::vector<int>& rounds) {
  std::ptrdiff_t leaves = 0;  // leaves with nodes and no slow switch
  for (std::size_t leaf = 0; leaf < under.size(); ++leaf) leaves += !under[leaf].empty() && switched[leaf] == 0 ? 1 : 0;
  // Two leaves: any uplink verdict is ambiguous, whichever leaf was checked (every outside partner is the other's).
  bool alike = leaves == 2 ? !uplinks.empty() : uplinks.size() >= 2 && static_cast<std::ptrdiff_t>(uplinks.size()) == leaves;
  if (alike && leaves == 2 && uplinks.size() == 1) {
    // Unless the other leaf passed with a node under neither (a node under no leaf, or a leaf of one under a fault):
    // its uplink is fine, so the slow one is told.
    const std::vector<char> passed = PassedAcross(under, nullptr, nullptr);
    for (std::size_t leaf = 0; leaf < under.size(); ++leaf) {
      if (static_cast<int>(leaf) != uplinks[0] && switched[leaf] == 0 && !under[leaf].empty() && passed[leaf] != 0) alike = false;
    }
  }
  if (!alike) return {};
  std::set<int> all;
  std::vector<int> which;
  for (std::size_t leaf = 0; leaf < under.size(); ++leaf) {
    const bool among = std::find(uplinks.begin(), uplinks.end(), static_cast<int>(leaf)) != uplinks.end();
    if (!((leaves == 2 && switched[leaf] == 0 && !under[leaf].empty()) || among)) continue;
    all.insert(under[leaf].begin(), under[leaf].end());
    which.push_back(static_cast<int>(leaf));
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
  Conclude(rounds[1], fmt::format("every one of the {} leaves is slow only towards the others: which uplink "
                                      "cannot be told, left unresolved",
                                      leaves));
  return which;
}

void Planner::WithdrawCleanInside(const std::vector<int>& leaves, const std::vector<std::vector<int>>& under,
                                  const std::vector<int>& inside, const std::vector<char>& at_fault) {
  // A node of a leaf alike whose pair inside failed, that passed inside with a clean partner after: its pair's other
  // node (or a link inside) failed it, not its own fault. Its accusation, for failing across the leaves, goes.
  std::vector<char> clean(state_.size(), 0);
  for (int leaf : leaves) {
    for (int n : under[static_cast<std::size_t>(leaf)]) {
      clean[static_cast<std::size_t>(n)] = inside[static_cast<std::size_t>(n)] == 1 && at_fault[static_cast<std::size_t>(n)] == 0;
    }
  }
  std::erase_if(result_.findings, [&](const Finding& f) {
    const bool one_node = f.kind == FindingKind::kNode || (f.kind == FindingKind::kUnresolved && f.members.size() == 1);
    if (!one_node || clean[static_cast<std::size_t>(f.members[0])] == 0) return false;
    At(f.members[0]).accused = false;
    return true;
  });
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
