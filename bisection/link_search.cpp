// The search for the bad pair inside a failing group (after the cover stage): halving with every hypothesis of
// a round tested at once. A group W holds the pair: its halves W0 and W1 are tested; one failing holds it, both
// passing means one end in each (a cross hypothesis). A cross hypothesis (A, B) tests A0+B0 and A1+B1; one failing
// narrows both sides at once, neither failing leaves (A0, B1) and (A1, B0), which are disjoint and go on side by
// side. A group of g nodes costs about log2(g) + 1 rounds, where testing its pairs costs g-1; no test is larger
// than the group, so a pair that only small tests show (diluted) keeps showing.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

struct Hypothesis {
  std::vector<int> a, b;  // b empty: the pair lies within a; else one end in a and one in b
};

// Within two nodes is their pair: a cross of one and one, whose test is the pair test.
Hypothesis Make(std::vector<int> a, std::vector<int> b) {
  if (b.empty() && a.size() == 2) return {{a[0]}, {a[1]}};
  return {std::move(a), std::move(b)};
}

std::pair<std::vector<int>, std::vector<int>> Halves(const std::vector<int>& nodes) {
  auto mid = static_cast<std::ptrdiff_t>((nodes.size() + 1) / 2);
  return {std::vector<int>(nodes.begin(), nodes.begin() + mid), std::vector<int>(nodes.begin() + mid, nodes.end())};
}

Trial GroupTrial(std::vector<int> members) {
  Trial t{members.size() == 2 ? TrialKind::kPair : TrialKind::kGroup, std::move(members), 0};
  t.under_test = static_cast<int>(t.members.size());
  return t;
}

}  // namespace

void Planner::SearchGroupForLink(std::vector<std::vector<int>> groups, std::vector<FailedPair>& failed,
                                 const std::string& stage) {
  // Groups of different cover rounds may share nodes: search them in batches of disjoint groups, and drop a group
  // that a link found meanwhile explains.
  while (!groups.empty()) {
    std::vector<Hypothesis> live;
    std::vector<std::vector<int>> later;
    std::vector<char> busy(state_.size(), 0);
    auto holds_a_found_pair = [&](const std::vector<int>& group) {
      return std::any_of(failed.begin(), failed.end(), [&](const FailedPair& p) {
        return std::find(group.begin(), group.end(), p.a) != group.end() &&
               std::find(group.begin(), group.end(), p.b) != group.end();
      });
    };
    for (std::vector<int>& group : groups) {
      if (HoldsAnAccusedLink(group) || holds_a_found_pair(group) ||
          std::any_of(group.begin(), group.end(), [&](int node) { return At(node).accused; })) {
        continue;
      }
      if (std::any_of(group.begin(), group.end(), [&](int node) { return busy[static_cast<std::size_t>(node)]; })) {
        later.push_back(std::move(group));
        continue;
      }
      for (int node : group) busy[static_cast<std::size_t>(node)] = 1;
      live.push_back(Make(std::move(group), {}));
    }
    while (!live.empty()) {
      std::vector<Trial> trials;
      std::vector<std::pair<std::size_t, int>> of;  // hypothesis, and which of its tests (0 or 1)
      for (std::size_t h = 0; h < live.size(); ++h) {
        const Hypothesis& hyp = live[h];
        auto [a0, a1] = Halves(hyp.a);
        if (hyp.b.empty()) {
          if (a0.size() >= 2) trials.push_back(GroupTrial(a0)), of.emplace_back(h, 0);
          if (a1.size() >= 2) trials.push_back(GroupTrial(a1)), of.emplace_back(h, 1);
          continue;
        }
        auto [b0, b1] = Halves(hyp.b);
        trials.push_back(GroupTrial(Joined(a0, b0)));
        of.emplace_back(h, 0);
        if (!a1.empty() && !b1.empty()) trials.push_back(GroupTrial(Joined(a1, b1))), of.emplace_back(h, 1);
      }
      std::vector<char> bad(2 * live.size(), 0);
      Ran ran = RunRound(stage == "group" ? "narrow" : "search", trials);
      for (std::size_t t = 0; t < trials.size(); ++t) {
        bad[2 * of[t].first + static_cast<std::size_t>(of[t].second)] = IsBad(ran.results[t].outcome) ? 1 : 0;
      }
      std::vector<Hypothesis> next;
      int pairs = 0;
      for (std::size_t h = 0; h < live.size(); ++h) {
        const Hypothesis& hyp = live[h];
        const bool bad0 = bad[2 * h] != 0, bad1 = bad[2 * h + 1] != 0;
        auto [a0, a1] = Halves(hyp.a);
        if (hyp.b.empty()) {
          if (bad0) next.push_back(Make(a0, {}));
          if (bad1) next.push_back(Make(a1, {}));
          if (!bad0 && !bad1) next.push_back(Make(a0, a1));
          continue;
        }
        if (hyp.a.size() == 1 && hyp.b.size() == 1) {
          if (bad0) failed.push_back({hyp.a[0], hyp.b[0], ran.round}), ++pairs;
          continue;  // a pair that passes: this line of the search ends (its failure did not repeat)
        }
        auto [b0, b1] = Halves(hyp.b);
        if (bad0) next.push_back(Make(a0, b0));
        if (bad1) next.push_back(Make(a1, b1));
        if (!bad0 && !bad1) {
          if (!a0.empty() && !b1.empty()) next.push_back(Make(a0, b1));
          if (!a1.empty() && !b0.empty()) next.push_back(Make(a1, b0));
        }
      }
      std::size_t failing = static_cast<std::size_t>(std::count(bad.begin(), bad.end(), 1));
      Conclude(ran.round, fmt::format("{} of {} parts fail; {} failing pair(s) found, {} part(s) left to narrow",
                                      failing, trials.size(), pairs, next.size()));
      live = std::move(next);
    }
    groups = std::move(later);
  }
}

}  // namespace kiln
