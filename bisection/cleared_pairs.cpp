// Under a tree, the ends of a link in a healthy leaf can be accused as nodes before the topology stage runs: each
// failed again with a cleared partner under a slow uplink (named last). The topology stage tests such findings in
// good company and withdraws them ("affected, not at fault"), and with them the only evidence of the link: their
// pair's failure. Those pairs, when neither end sits under a named leaf, are tested twice more: failing both times
// (three in all, and each end passed in good company), they are a link. A larger failing test of theirs that
// nothing named explains any more (a link inside a healthy leaf, both ends withdrawn) is searched for its pair;
// with none, the withdrawn nodes meet the others in one group (a link between two of them, never tested together).

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "bisection/planner_impl.hpp"

namespace kiln {

void Planner::RecheckPairsOfWithdrawn(const std::vector<int>& withdrawn, const std::vector<char>& under_named) {
  if (withdrawn.empty()) return;
  std::vector<char> cleared(state_.size(), 0);
  for (int node : withdrawn) cleared[static_cast<std::size_t>(node)] = 1;
  auto eligible = [&](int n) { return !At(n).accused && under_named[static_cast<std::size_t>(n)] == 0; };
  std::set<std::pair<int, int>> pairs;
  std::vector<int> evidence;
  for (const RoundRecord& round : result_.rounds) {
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      const std::vector<int>& m = round.trials[t].members;
      if (m.size() != 2 || !IsBad(round.results[t].outcome)) continue;
      if (cleared[static_cast<std::size_t>(m[0])] == 0 && cleared[static_cast<std::size_t>(m[1])] == 0) continue;
      if (!eligible(m[0]) || !eligible(m[1]) || IsLinkEnd(m[0]) || IsLinkEnd(m[1])) continue;
      if (pairs.insert(std::minmax(m[0], m[1])).second) evidence.push_back(round.index);
    }
  }
  std::vector<Trial> trials;
  std::vector<char> busy(state_.size(), 0);
  for (auto [a, b] : pairs) {  // one round: disjoint pairs (more are rare: a node with two links)
    if (busy[static_cast<std::size_t>(a)] || busy[static_cast<std::size_t>(b)]) continue;
    busy[static_cast<std::size_t>(a)] = busy[static_cast<std::size_t>(b)] = 1;
    trials.push_back({TrialKind::kPair, {a, b}, 2});
  }
  if (trials.empty()) return;
  Ran first = RunRound("link", trials);
  Ran second = RunRound("link", trials);
  int links = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (!IsBad(first.results[i].outcome) || !IsBad(second.results[i].outcome)) continue;
    const int a = trials[i].members[0], b = trials[i].members[1];
    std::vector<int> rounds = evidence;
    rounds.insert(rounds.end(), {first.round, second.round});
    result_.findings.push_back(
        {FindingKind::kLink, {a, b}, "topology",
         fmt::format("the pair fails three times while each node passes in good company (its failures with other "
                     "partners were a slow uplink's); last: {}",
                     Describe(second.results[i])),
         std::move(rounds)});
    ++links;
  }
  Conclude(first.round,
           fmt::format("{} pair(s) of nodes cleared of a slow leaf's failures, tested again", trials.size()));
  Conclude(second.round, fmt::format("... and once more: {} fail both times: link(s) accused", links));
}

void Planner::SearchFailuresOfWithdrawn(const std::vector<int>& withdrawn, const std::vector<char>& under_named,
                                        const std::function<bool(const std::vector<int>&)>& topology_explains) {
  if (withdrawn.empty()) return;
  std::vector<char> cleared(state_.size(), 0);
  for (int node : withdrawn) cleared[static_cast<std::size_t>(node)] = 1;
  const std::size_t seen = options_.group_limit > 1 ? static_cast<std::size_t>(options_.group_limit) : state_.size();
  std::vector<std::vector<int>> open;  // failing tests of more than two that nothing named explains now
  for (const RoundRecord& round : result_.rounds) {
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      const std::vector<int>& m = round.trials[t].members;
      if (m.size() <= 2 || m.size() > seen || !IsBad(round.results[t].outcome)) continue;
      if (std::none_of(m.begin(), m.end(), [&](int n) { return cleared[static_cast<std::size_t>(n)] != 0; })) continue;
      if (std::any_of(m.begin(), m.end(), [&](int n) { return At(n).accused || under_named[static_cast<std::size_t>(n)] != 0; })) {
        continue;
      }
      if (!HoldsAnAccusedLink(m) && !topology_explains(m)) open.push_back(m);
    }
  }
  std::vector<std::vector<int>> groups;
  if (open.empty()) {
    // None: they were accused before they met most of the others, so they meet them now, in one test with every
    // node that is neither accused nor under a named leaf (one end of each named link out); only a failure is searched.
    std::vector<char> out(under_named);
    for (const Finding& f : result_.findings) {
      if (f.kind == FindingKind::kLink) out[static_cast<std::size_t>(f.members[0])] = 1;
    }
    std::vector<int> company;
    for (int n : Alive()) {
      if (out[static_cast<std::size_t>(n)] == 0) company.push_back(n);
    }
    const bool all_in = std::none_of(withdrawn.begin(), withdrawn.end(), [&](int n) {
      return out[static_cast<std::size_t>(n)] != 0 || At(n).accused;
    });
    if (company.size() < 3 || company.size() > seen || !all_in) return;
    Ran ran = RunRound("recheck", {{TrialKind::kGroup, company, static_cast<int>(company.size())}});
    Conclude(ran.round, fmt::format("the {} node(s) withdrawn meet every node not accused and under no named leaf, "
                                    "{} in one group: {}",
                                    withdrawn.size(), company.size(),
                                    IsBad(ran.results[0].outcome) ? "it fails, searched next" : "it passes"));
    if (!IsBad(ran.results[0].outcome)) return;
    groups.push_back(std::move(company));
  }
  // The smallest first, and those disjoint from it: one search, its rounds shared.
  std::stable_sort(open.begin(), open.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  std::vector<char> busy(state_.size(), 0);
  for (std::vector<int>& m : open) {
    if (std::any_of(m.begin(), m.end(), [&](int n) { return busy[static_cast<std::size_t>(n)] != 0; })) continue;
    for (int n : m) busy[static_cast<std::size_t>(n)] = 1;
    groups.push_back(std::move(m));
  }
  std::vector<FailedPair> found;
  SearchGroupForLink(groups, found, "topology");
  ConfirmLinks(found, "topology", 1);
}

}  // namespace kiln
