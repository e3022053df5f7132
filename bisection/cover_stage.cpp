// Stage 2b of the bisection, for clusters too large to test every pair: a covering schedule. The group probe runs
// on the groups of an affine plane (bisection/cover_design.hpp), q+1 rounds in which every pair of nodes meets in
// a group of at most the probe's sensitivity (or about sqrt(n)). A bad link fails the one group that holds both its
// ends; a bad node fails every group it is in. Each failing group is narrowed to its failing pair by halving
// (link_search.cpp), and that pair is accused as a link once it fails again.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"
#include "bisection/cover_design.hpp"

namespace kiln {

bool Planner::HoldsAnAccusedLink(const std::vector<int>& members) const {
  auto in = [&](int node) { return std::find(members.begin(), members.end(), node) != members.end(); };
  return std::any_of(result_.findings.begin(), result_.findings.end(), [&](const Finding& f) {
    return f.kind == FindingKind::kLink && in(f.members[0]) && in(f.members[1]);
  });
}

std::vector<std::vector<int>> Planner::RunCover(const std::vector<int>& alive,
                                                const std::vector<std::vector<std::vector<int>>>& rounds) {
  std::vector<std::vector<int>> failing, with_link;
  std::vector<int> fails(state_.size(), 0);  // failing groups per node
  for (const auto& round : rounds) {
    std::vector<Trial> trials;
    for (const std::vector<int>& group : round) {
      Trial trial{TrialKind::kGroup, {}, static_cast<int>(group.size())};
      for (int i : group) trial.members.push_back(alive[static_cast<std::size_t>(i)]);
      trials.push_back(std::move(trial));
    }
    Ran ran = RunRound("cover", trials);
    int bad = 0, explained = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (!IsBad(ran.results[i].outcome)) continue;
      ++bad;
      if (HoldsAnAccusedLink(trials[i].members)) {
        ++explained;
        with_link.push_back(trials[i].members);
        continue;
      }
      for (int node : trials[i].members) ++fails[static_cast<std::size_t>(node)];
      failing.push_back(trials[i].members);
    }
    Conclude(ran.round, fmt::format("{} of {} groups fail{}", bad, trials.size(),
                                    explained > 0 ? fmt::format(" ({} hold an accused link)", explained) : std::string()));
  }
  // A failing group that holds an accused link may hold another: it runs again without one end of each.
  RecheckWithoutAccusedLinks(std::move(with_link), failing);
  // A node in failing groups of two rounds or more is not one link's end: its own tests with cleared partners
  // say whether it is bad (Settle). (Groups of two rounds share at most one block of the design.)
  // A node fault fails its group in every round (a flapping one in most): more than half the rounds makes a
  // suspect. When that is a quarter of the nodes (a fault that shows at the cover's scale fails every group it
  // is in, and there are few rounds), only the nodes failing in every round are, so cleared partners remain.
  const int rounds_run = static_cast<int>(rounds.size());
  auto suspects_at = [&](int threshold) {
    std::vector<int> out;
    for (int node : alive) {
      if (fails[static_cast<std::size_t>(node)] >= threshold) out.push_back(node);
    }
    return out;
  };
  std::vector<int> suspects = suspects_at(std::max(2, (rounds_run + 1) / 2));
  if (4 * suspects.size() > alive.size()) suspects = suspects_at(std::max(2, rounds_run));
  ClearAroundSuspects(alive, suspects, failing);
  if (!suspects.empty()) {
    // A failing group is link evidence as much as node evidence: when the suspect is the only one in it, the others
    // were cleared by it (ClearAroundSuspects) and one may be the other end of a link to it, which would fail it
    // again. They are never its partners, so that it is accused only on failing with two partners that no link to it
    // explains (a link and one spurious failure used to be enough).
    std::vector<char> suspect(state_.size(), 0);
    for (int node : suspects) suspect[static_cast<std::size_t>(node)] = 1;
    for (const std::vector<int>& group : failing) {
      auto in = std::find_if(group.begin(), group.end(), [&](int node) { return suspect[static_cast<std::size_t>(node)]; });
      if (in == group.end() || std::any_of(in + 1, group.end(), [&](int node) { return suspect[static_cast<std::size_t>(node)]; })) {
        continue;
      }
      std::vector<int>& company = At(*in).failed_company;
      for (int other : group) {
        if (other != *in) company.push_back(other);
      }
    }
    for (int node : suspects) At(node).tested = 0;
    Settle(suspects, "cover", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  }
  // A group with an accused node failed because of it, and may hold a link too: it runs again without the accused
  // (the group stage's larger test may not show a link that only small groups show). The others hold a link, or an
  // intermittent node that the narrowing will show.
  std::vector<std::vector<int>> to_search, with_accused;
  for (std::vector<int>& group : failing) {
    bool accused = std::any_of(group.begin(), group.end(), [&](int node) { return At(node).accused; });
    (accused ? with_accused : to_search).push_back(std::move(group));
  }
  RecheckWithoutAccusedLinks(std::move(with_accused), to_search);
  return to_search;
}

void Planner::ClearAroundSuspects(const std::vector<int>& alive, const std::vector<int>& suspects,
                                  const std::vector<std::vector<int>>& failing) {
  std::vector<char> doubt(state_.size(), 0);
  for (int node : suspects) doubt[static_cast<std::size_t>(node)] = 1;
  std::vector<char> unexplained(state_.size(), 0);
  for (const std::vector<int>& group : failing) {
    if (std::any_of(group.begin(), group.end(), [&](int node) { return doubt[static_cast<std::size_t>(node)]; })) continue;
    for (int node : group) unexplained[static_cast<std::size_t>(node)] = 1;
  }
  for (int node : alive) {
    auto i = static_cast<std::size_t>(node);
    if (!doubt[i] && !unexplained[i]) At(node).cleared = true;
  }
}

void Planner::RecheckWithoutAccusedLinks(std::vector<std::vector<int>> groups, std::vector<std::vector<int>>& failing) {
  for (std::vector<int>& group : groups) {
    std::erase_if(group, [&](int node) { return At(node).accused; });
    for (const Finding& f : result_.findings) {
      if (f.kind != FindingKind::kLink) continue;
      auto end = std::find(group.begin(), group.end(), f.members[1]);
      if (end != group.end() && std::find(group.begin(), group.end(), f.members[0]) != group.end()) group.erase(end);
    }
  }
  std::erase_if(groups, [](const std::vector<int>& g) { return g.size() < 2; });
  // Groups of different rounds may share nodes: rounds of disjoint ones.
  while (!groups.empty()) {
    std::vector<Trial> trials;
    std::vector<std::vector<int>> later;
    std::vector<char> busy(state_.size(), 0);
    for (std::vector<int>& group : groups) {
      if (std::any_of(group.begin(), group.end(), [&](int node) { return busy[static_cast<std::size_t>(node)]; })) {
        later.push_back(std::move(group));
        continue;
      }
      for (int node : group) busy[static_cast<std::size_t>(node)] = 1;
      trials.push_back({TrialKind::kGroup, std::move(group), 0});
      trials.back().under_test = static_cast<int>(trials.back().members.size());
    }
    Ran ran = RunRound("recheck", trials);
    int bad = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (!IsBad(ran.results[i].outcome)) continue;
      ++bad;
      failing.push_back(trials[i].members);
    }
    Conclude(ran.round, fmt::format("{} of {} groups that held an accused node or link fail without them too",
                                    bad, trials.size()));
    groups = std::move(later);
  }
}

Planner::KnownGood Planner::PassedBlocks(const std::vector<int>& alive, int block, std::size_t first_round) const {
  std::vector<int> block_of(state_.size(), -1);
  for (std::size_t i = 0; i < alive.size(); ++i) block_of[static_cast<std::size_t>(alive[i])] = static_cast<int>(i) / block;
  std::vector<char> passed((alive.size() + static_cast<std::size_t>(block) - 1) / static_cast<std::size_t>(block), 0);
  for (std::size_t r = first_round; r < result_.rounds.size(); ++r) {
    const RoundRecord& round = result_.rounds[r];
    if (round.stage != "cover") continue;
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      if (round.results[t].outcome != TrialOutcome::kPass) continue;
      for (int node : round.trials[t].members) passed[static_cast<std::size_t>(block_of[static_cast<std::size_t>(node)])] = 1;
    }
  }
  return [block_of = std::move(block_of), passed = std::move(passed)](const std::vector<int>& nodes) {
    const int b = block_of[static_cast<std::size_t>(nodes.front())];
    return b >= 0 && passed[static_cast<std::size_t>(b)] != 0 &&
           std::all_of(nodes.begin(), nodes.end(), [&](int node) { return block_of[static_cast<std::size_t>(node)] == b; });
  };
}

bool Planner::CoverStage(int limit) {
  std::vector<int> alive = Alive();
  const auto n = static_cast<long long>(alive.size());
  if (n < 3 || every_pair_met_) return false;  // every pair met in pairs
  cover_ran_ = true;
  const std::size_t first_round = cover_first_round_ = result_.rounds.size();
  const std::size_t findings_before = result_.findings.size();
  CoverDesign design = CoverRounds(static_cast<int>(n), limit);
  std::vector<std::vector<int>> groups = RunCover(alive, design.rounds);
  const long withdrawn_before = withdrawn_links_;
  WithdrawWhatAccusedNodesExplain();  // a node the cover settled may have faked a link in the pair stage
  const bool failed_any = !groups.empty() || result_.findings.size() > findings_before ||
                          withdrawn_links_ > withdrawn_before;
  const std::size_t cover_rounds = design.rounds.size();
  std::vector<FailedPair> failed;
  failing_groups_.insert(failing_groups_.end(), groups.begin(), groups.end());  // checked again at the end
  SearchGroupForLink(std::move(groups), failed, "cover", PassedBlocks(alive, design.block, first_round), true);
  // The narrowing saw the pair fail in other company (its group, the parts holding both, the pair alone): when
  // neither end failed anywhere without the other, that is the repeat; else the pair is tested once more.
  std::vector<int> intermittent = ConfirmNarrowedPairs(failed, first_round, "cover", true);
  std::vector<int> settle;
  for (int node : intermittent) {
    if (At(node).accused || IsLinkEnd(node) || std::find(settle.begin(), settle.end(), node) != settle.end()) continue;
    settle.push_back(node);
  }
  for (int node : settle) At(node).tested = 0;
  Settle(settle, "cover", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  const std::size_t used = result_.rounds.size() - first_round;
  result_.pairs_tested = n * (n - 1) / 2;
  if (result_.pairs_total == 0) result_.pairs_total = result_.pairs_tested;
  std::size_t largest = 0;
  for (const auto& round : design.rounds) {
    for (const auto& group : round) largest = std::max(largest, group.size());
  }
  result_.pair_coverage += fmt::format(
      "{}every pair of the {} nodes in the group probe: {} round(s) of groups of at most {} nodes ({}), and {} "
      "round(s) more to narrow the failing groups to their pairs",
      result_.pair_coverage.empty() ? "" : "; then ", n, cover_rounds, largest,
      design.order > 0 ? fmt::format("an affine plane of order {} over blocks of {} node(s)", design.order, design.block)
                       : fmt::format("blocks of {} meeting in pairs", design.block),
      used > cover_rounds ? used - cover_rounds : 0);
  return failed_any;
}

}  // namespace kiln
