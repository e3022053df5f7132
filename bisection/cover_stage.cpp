// Stage 2b of the bisection, for clusters too large to test every pair: a covering schedule. The group probe runs
// on the groups of an affine plane, q+1 rounds in which every pair of nodes meets in exactly one group of at
// most q (q about the square root of the nodes). A bad link fails the one group that holds both its ends; a bad
// node fails every group it is in. The pairs of each failing group are then tested (the circle method within
// the group) until one fails, and a failing pair is accused as a link once it fails twice more.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"
#include "runners/pairing.hpp"

namespace kiln {

bool Planner::HoldsAnAccusedLink(const std::vector<int>& members) const {
  auto in = [&](int node) { return std::find(members.begin(), members.end(), node) != members.end(); };
  return std::any_of(result_.findings.begin(), result_.findings.end(), [&](const Finding& f) {
    return f.kind == FindingKind::kLink && in(f.members[0]) && in(f.members[1]);
  });
}

std::vector<std::vector<int>> Planner::RunCover(const std::vector<int>& alive) {
  std::vector<std::vector<int>> failing;
  std::vector<int> fails(state_.size(), 0);  // failing groups per node
  for (const GroupRound& round : AffinePlaneRounds(static_cast<int>(alive.size()))) {
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
        continue;
      }
      for (int node : trials[i].members) ++fails[static_cast<std::size_t>(node)];
      failing.push_back(trials[i].members);
    }
    Conclude(ran.round, fmt::format("{} of {} groups fail{}", bad, trials.size(),
                                    explained > 0 ? fmt::format(" ({} hold an accused link)", explained) : std::string()));
  }
  // A node in failing groups of two rounds or more is not one link's end: its own tests with cleared partners
  // say whether it is bad (Settle).
  std::vector<int> suspects;
  for (int node : alive) {
    if (fails[static_cast<std::size_t>(node)] >= 2) suspects.push_back(node);
  }
  if (!suspects.empty()) {
    for (int node : suspects) At(node).tested = 0;
    Settle(suspects, "cover", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  }
  // A group with an accused node failed because of it (a link there shows to the group stage, which runs without
  // the accused); the others hold a link, or an intermittent node that the pair tests will show.
  std::vector<std::vector<int>> to_search;
  for (std::vector<int>& group : failing) {
    if (std::none_of(group.begin(), group.end(), [&](int node) { return At(node).accused; })) {
      to_search.push_back(std::move(group));
    }
  }
  return to_search;
}

void Planner::SearchFailingGroups(std::vector<std::vector<int>> groups, std::vector<FailedPair>& failed) {
  // Groups of different rounds share at most one node: search them in batches of disjoint groups.
  while (!groups.empty()) {
    std::vector<std::vector<int>> batch, later;
    std::vector<char> busy(state_.size(), 0);
    for (std::vector<int>& group : groups) {
      bool free = std::none_of(group.begin(), group.end(), [&](int node) { return busy[static_cast<std::size_t>(node)]; });
      if (!free) {
        later.push_back(std::move(group));
        continue;
      }
      for (int node : group) busy[static_cast<std::size_t>(node)] = 1;
      batch.push_back(std::move(group));
    }
    std::size_t largest = 0;
    for (const auto& group : batch) largest = std::max(largest, group.size());
    std::vector<char> found(batch.size(), 0);
    for (const Round& round : CircleRounds(static_cast<int>(largest))) {
      std::vector<Trial> trials;
      std::vector<std::size_t> of;
      for (std::size_t g = 0; g < batch.size(); ++g) {
        if (found[g]) continue;
        for (auto [a, b] : round) {
          if (static_cast<std::size_t>(b) >= batch[g].size()) continue;
          trials.push_back({TrialKind::kPair, {batch[g][static_cast<std::size_t>(a)], batch[g][static_cast<std::size_t>(b)]}, 2});
          of.push_back(g);
        }
      }
      if (trials.empty()) break;
      std::size_t before = failed.size();
      RunPairs(trials, failed);
      for (std::size_t k = before; k < failed.size(); ++k) {
        for (std::size_t t = 0; t < trials.size(); ++t) {
          if (trials[t].members[0] == failed[k].a && trials[t].members[1] == failed[k].b) found[of[t]] = 1;
        }
      }
    }
    groups = std::move(later);
  }
}

void Planner::CoverStage() {
  std::vector<int> alive = Alive();
  const auto n = static_cast<long long>(alive.size());
  if (n <= options_.every_pair_up_to || n < 4) return;  // every pair was tested in pairs already
  const std::size_t first_round = result_.rounds.size();
  const int q = AffinePlaneOrder(static_cast<int>(n));
  std::vector<std::vector<int>> groups = RunCover(alive);
  const std::size_t cover_rounds = static_cast<std::size_t>(q) + 1;
  std::vector<FailedPair> failed;
  SearchFailingGroups(std::move(groups), failed);
  std::vector<int> intermittent = ConfirmLinks(failed, "cover");
  std::vector<int> settle;
  for (int node : intermittent) {
    if (At(node).accused || IsLinkEnd(node) || std::find(settle.begin(), settle.end(), node) != settle.end()) continue;
    settle.push_back(node);
  }
  for (int node : settle) At(node).tested = 0;
  Settle(settle, "cover", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  const std::size_t used = result_.rounds.size() - first_round;
  result_.pairs_tested = n * (n - 1) / 2;
  result_.pair_coverage += fmt::format(
      "; then every pair of the {} nodes in the group probe: {} round(s) of groups of at most {} nodes (an affine "
      "plane of order {}: each pair meets in exactly one group), and {} round(s) more to search the failing groups "
      "pair by pair",
      n, cover_rounds, q, q, used > cover_rounds ? used - cover_rounds : 0);
}

}  // namespace kiln
