// Inside a slow uplink's leaf. The uplink fails every test of the leaf's nodes with nodes elsewhere, so the cover and
// the group stage could only accuse them (the uplink then explains them): a link inside the leaf hid there. Inside the
// leaf the uplink does not reach, so its nodes (less those at fault) meet there, every pair in a group of at most the
// probe's sensitivity (blocks of half of it, every two blocks together, the circle method over the blocks); a failing
// group is narrowed to its pair (link_search.cpp), the pair tested once more, and the group checked again without
// the links found, until it passes. A group that still fails and cannot be narrowed is left unresolved with its
// evidence, never dropped. Before, the leaf was tested whole (cut to the sensitivity): a failure was left
// unresolved, and a diluted link whose ends were not both in the cut part was silently missed.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"
#include "runners/pairing.hpp"

namespace kiln {
namespace {

// Rounds of groups of at most `limit` nodes (0: any) in which every pair of `nodes` meets.
std::vector<std::vector<std::vector<int>>> LeafCover(const std::vector<int>& nodes, int limit) {
  if (limit <= 1 || nodes.size() <= static_cast<std::size_t>(limit)) return {{nodes}};
  const std::size_t block = static_cast<std::size_t>(std::max(1, limit / 2));
  std::vector<std::vector<int>> blocks;
  for (std::size_t i = 0; i < nodes.size(); i += block) {
    blocks.emplace_back(nodes.begin() + static_cast<std::ptrdiff_t>(i),
                        nodes.begin() + static_cast<std::ptrdiff_t>(std::min(i + block, nodes.size())));
  }
  std::vector<std::vector<std::vector<int>>> rounds;
  for (const Round& round : CircleRounds(static_cast<int>(blocks.size()))) {
    std::vector<std::vector<int>> groups;
    for (auto [a, b] : round) {
      std::vector<int> group = blocks[static_cast<std::size_t>(a)];
      group.insert(group.end(), blocks[static_cast<std::size_t>(b)].begin(), blocks[static_cast<std::size_t>(b)].end());
      groups.push_back(std::move(group));
    }
    rounds.push_back(std::move(groups));
  }
  return rounds;
}

Trial GroupOf(const std::vector<int>& members) {
  return {members.size() == 2 ? TrialKind::kPair : TrialKind::kGroup, members, static_cast<int>(members.size())};
}

// Passes of narrowing and checking again before what still fails is left unresolved.
constexpr int kInsidePasses = 4;

}  // namespace

void Planner::InsideUplinks(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                            const std::vector<char>& at_fault, const std::vector<int>& inside) {
  // Every leaf's rounds side by side (the leaves' nodes are disjoint).
  std::vector<std::vector<Trial>> rounds;
  for (int leaf : uplinks) {
    std::vector<int> nodes;
    for (int n : under[static_cast<std::size_t>(leaf)]) {
      if (at_fault[static_cast<std::size_t>(n)] == 0 && !At(n).accused && !IsLinkEnd(n)) nodes.push_back(n);
    }
    if (nodes.size() < 2) continue;
    const auto cover = LeafCover(nodes, options_.group_limit);
    if (rounds.size() < cover.size()) rounds.resize(cover.size());
    for (std::size_t r = 0; r < cover.size(); ++r) {
      for (const std::vector<int>& group : cover[r]) rounds[r].push_back(GroupOf(group));
    }
  }
  std::vector<std::vector<int>> failing;
  std::vector<int> evidence;
  for (const std::vector<Trial>& trials : rounds) {
    Ran ran = RunRound("leaf", trials);
    int bad = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (!IsBad(ran.results[i].outcome)) continue;
      failing.push_back(trials[i].members);
      ++bad;
    }
    if (bad > 0) evidence.push_back(ran.round);
    Conclude(ran.round, fmt::format("under a slow uplink, its leaf's nodes meet inside it, where the uplink does not "
                                    "reach: {} of {} group(s) fail{}",
                                    bad, trials.size(), bad > 0 ? ", narrowed to their pairs" : ""));
  }
  NarrowInsideLeaves(std::move(failing), std::move(evidence), inside);
}

std::vector<Planner::FailedPair> Planner::EndsApartInside(const std::vector<FailedPair>& found,
                                                          const std::vector<int>& inside) {
  // Each end with a node of its leaf whose pair inside passed: a node at fault inside (a slow node the leaf's first
  // pairs did not single out) fails there too and is accused, on two partners; its pair is no link.
  const std::vector<int>& leaf_of = options_.leaf_of;
  std::vector<char> used(state_.size(), 0);
  for (const FailedPair& p : found) used[static_cast<std::size_t>(p.a)] = used[static_cast<std::size_t>(p.b)] = 1;
  std::vector<Trial> trials;
  for (const FailedPair& p : found) {
    for (int end : {p.a, p.b}) {
      for (std::size_t n = 0; n < state_.size(); ++n) {
        if (used[n] != 0 || inside[n] != 0 || state_[n].accused || leaf_of[n] != leaf_of[static_cast<std::size_t>(end)]) continue;
        used[n] = 1;
        trials.push_back({TrialKind::kPair, {end, static_cast<int>(n)}, 1});
        break;
      }
    }
  }
  if (trials.empty()) return found;
  Ran ran = RunRound("leaf", trials);
  std::vector<int> failing;
  for (std::size_t t = 0; t < trials.size(); ++t) {
    const int end = trials[t].members[0];
    if (!IsBad(ran.results[t].outcome) || At(end).accused) continue;
    At(end).evidence.push_back(ran.round);
    Accuse(end, "topology", fmt::format("fails in pairs inside its leaf with two partners, {} and {}, where the leaf's "
                                        "slow uplink does not reach",
                                        Names({FirstPartner(found, end)}), Names({trials[t].members[1]})));
    failing.push_back(end);
  }
  Conclude(ran.round, fmt::format("the ends of the pairs found inside, each with a node of its leaf that passed there: "
                                  "{}", failing.empty() ? std::string("all pass") : Names(failing) + " fail: at fault"));
  std::vector<FailedPair> links;
  for (const FailedPair& p : found) {
    if (!At(p.a).accused && !At(p.b).accused) links.push_back(p);
  }
  return links;
}

void Planner::NarrowInsideLeaves(std::vector<std::vector<int>> failing, std::vector<int> evidence,
                                 const std::vector<int>& inside) {
  const std::vector<char> none(state_.size(), 0);
  for (int pass = 0; !failing.empty(); ++pass) {
    const std::size_t before = result_.findings.size();
    std::vector<FailedPair> found;
    if (pass < kInsidePasses) {
      SearchGroupForLink(failing, found, "topology");
      ConfirmLinks(EndsApartInside(found, inside), "topology", 1);
    }
    // (min: findings withdrawn meanwhile, e.g. links of a node accused in their place, must not index past the end)
    const auto from = static_cast<std::ptrdiff_t>(std::min(before, result_.findings.size()));
    const bool named = std::any_of(result_.findings.begin() + from,
                                   result_.findings.end(), [](const Finding& f) { return f.kind != FindingKind::kUnresolved; });
    if (!named) {
      for (const std::vector<int>& group : failing) {
        Unresolved(group, "topology",
                   "under a slow uplink, these nodes fail together inside their leaf, where the uplink does not reach, "
                   "and narrowing the group named no link: a fault here is not explained",
                   evidence);
      }
      return;
    }
    // Each failing group again without the links found (each link's ends apart): one still failing holds more.
    std::vector<std::vector<int>> tests;
    for (std::size_t g = 0; g < failing.size(); ++g) {
      for (std::vector<int>& t : ResidualTests(failing, g, none)) tests.push_back(std::move(t));
    }
    std::vector<char> bad;
    const std::vector<int> round_of = RunResidualTests(tests, bad);
    failing.clear();
    for (std::size_t i = 0; i < tests.size(); ++i) {
      Conclude(round_of[i], "groups inside a slow uplink's leaf that failed, again without the links found in them");
      if (bad[i] == 0) continue;
      failing.push_back(tests[i]);
      evidence.push_back(round_of[i]);
    }
  }
}

}  // namespace kiln
