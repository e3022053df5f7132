// Stage 3 of the bisection: the group probe on the rest; when it fails, adaptive binary splitting with halves
// padded by cleared nodes (a fault that shows only at scale keeps showing), then the interactions.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {

Trial Planner::Padded(std::vector<int> under_test, std::size_t target, std::vector<char>& used) {
  Trial trial{TrialKind::kGroup, std::move(under_test), 0};
  trial.under_test = static_cast<int>(trial.members.size());
  auto usable = [&](int node) {
    const NodeState& s = At(node);
    return !used[static_cast<std::size_t>(node)] && !s.accused && !s.tainted && !s.link_suspect && s.bad == 0 &&
           !IsLinkEnd(node);
  };
  // The set (of a few from the cursor on) that can give the most; sets are tried in turn across trials.
  const std::size_t need = target > trial.members.size() ? target - trial.members.size() : 0;
  const std::vector<int>* best = nullptr;
  std::size_t best_count = 0;
  for (std::size_t k = 0; need > 0 && k < std::min<std::size_t>(good_sets_.size(), 8); ++k) {
    const std::vector<int>& set = good_sets_[(set_cursor_ + k) % good_sets_.size()];
    std::size_t count = 0;
    for (int node : set) count += usable(node) ? 1 : 0;
    if (count > best_count) {
      best = &set;
      best_count = count;
    }
    if (count >= need) break;
  }
  if (best == nullptr) return trial;
  ++set_cursor_;
  for (int node : *best) {
    if (trial.members.size() >= target) break;
    if (!usable(node)) continue;
    used[static_cast<std::size_t>(node)] = 1;
    trial.members.push_back(node);
  }
  return trial;
}

bool Planner::IsLinkEnd(int node) const {
  return std::any_of(result_.findings.begin(), result_.findings.end(), [node](const Finding& f) {
    return f.kind == FindingKind::kLink && (f.members[0] == node || f.members[1] == node);
  });
}

std::vector<int> Planner::GroupMembers() const {
  std::vector<char> out(state_.size(), 0);
  for (const Finding& f : result_.findings) {
    if (f.kind == FindingKind::kLink) out[static_cast<std::size_t>(f.members[1])] = 1;
  }
  std::vector<int> members;
  for (int node : Alive()) {
    if (!out[static_cast<std::size_t>(node)]) members.push_back(node);
  }
  SortByLeaf(members);  // halves split between leaves before within them
  return members;
}

std::vector<int> Planner::Joined(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int Planner::NarrowSide(std::vector<int> side, const std::vector<int>& other, bool side_first, std::size_t target,
                        std::vector<int>& evidence) {
  while (side.size() > 1) {
    std::vector<int> first(side.begin(), side.begin() + static_cast<std::ptrdiff_t>(side.size() / 2));
    std::vector<int> group = side_first ? Joined(first, other) : Joined(other, first);
    std::vector<char> used(state_.size(), 0);
    for (int node : Joined(side, other)) used[static_cast<std::size_t>(node)] = 1;
    Ran ran = RunRound("cross", {Padded(group, target, used)});  // padded: a fault needing scale keeps showing
    bool bad = IsBad(ran.results[0].outcome);
    Conclude(ran.round, fmt::format("{} of {} with the other side {}", first.size(), side.size(),
                                    bad ? "fails: the culprit is among them" : "passes: the culprit is in the rest"));
    evidence.push_back(ran.round);
    side = bad ? first : std::vector<int>(side.begin() + static_cast<std::ptrdiff_t>(first.size()), side.end());
  }
  return side[0];
}

bool Planner::SettleEnd(int node, const std::vector<int>& evidence, std::size_t target, const std::vector<int>& group) {
  // A fault that needs scale fails with any company large enough: the node with cleared nodes alone (controlled).
  At(node).bad = 0;
  At(node).tested = 0;
  At(node).evidence = evidence;
  Settle({node}, "group", PaddedAlone(target, group), {}, true);
  return At(node).cleared;  // else accused by itself, or left unresolved
}

bool Planner::EndsFailApart(int x, int y, int pair_round) {
  std::vector<Trial> ends = WithClearedPartners({x, y});
  Ran apart = RunRound("cross", ends);
  std::vector<int> failing_ends;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    int node = ends[i].members[0];
    At(node).last_partner = ends[i].members[1];
    if (IsBad(apart.results[i].outcome)) {
      failing_ends.push_back(node);
      At(node).bad = 1;
      At(node).tested = 1;
      At(node).evidence = {pair_round, apart.round};
    }
  }
  Conclude(apart.round, failing_ends.empty() ? "each end passes with a cleared partner"
                                             : fmt::format("fails with a cleared partner too: {}", Names(failing_ends)));
  if (failing_ends.empty()) return false;
  Conclude(pair_round, "the pair fails");
  Settle(failing_ends, "group", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  return true;
}

void Planner::JudgeCrossPair(int x, int y, std::vector<int> evidence) {
  Ran pair = RunRound("cross", {{TrialKind::kPair, {x, y}, 2}});
  evidence.push_back(pair.round);
  std::string who = fmt::format("{} and {}", names_[static_cast<std::size_t>(x)], names_[static_cast<std::size_t>(y)]);
  bool link = IsBad(pair.results[0].outcome);
  if (link) {
    // A flapping end would fake this: each end with a cleared partner, then the pair once more.
    if (EndsFailApart(x, y, pair.round)) return;
    Ran repeat = RunRound("cross", {{TrialKind::kPair, {x, y}, 2}});
    evidence.push_back(repeat.round);
    link = IsBad(repeat.results[0].outcome);
    Conclude(repeat.round, link ? "the pair fails again" : "the pair passes now");
  }
  if (link) {
    Conclude(pair.round, "the pair fails: a link");
    result_.findings.push_back(
        {FindingKind::kLink, {x, y}, "group",
         fmt::format("the group fails only with both {} in it, and the pair fails too; last: {}", who,
                     Describe(pair.results[0])),
         evidence});
  } else {
    Conclude(pair.round, "the pair passes");
    if (JudgeByExclusion(x, y, evidence)) return;  // a node that fails only in large groups (exclusion_check.cpp)
    Unresolved({x, y}, "group",
               fmt::format("the group fails only with both {} in it, but their pair passes: a fault that needs "
                           "more nodes; neither is accused",
                           who),
               evidence);
  }
}

void Planner::ResolveInteraction(const std::vector<int>& a, const std::vector<int>& b, int round, std::size_t target) {
  std::vector<int> evidence{round};
  const std::vector<int> both = Joined(a, b);
  // A node failing at random fakes an interaction: the joined halves once more first (padded, never with
  // themselves).
  std::vector<char> used(state_.size(), 0);
  for (int node : both) used[static_cast<std::size_t>(node)] = 1;
  Ran again = RunRound("cross", {Padded(both, target, used)});
  if (!IsBad(again.results[0].outcome)) {
    Conclude(again.round, "both halves together pass now: the failure did not repeat");
    return;
  }
  Conclude(again.round, "both halves together fail again");
  evidence.push_back(again.round);
  int x = NarrowSide(a, b, true, target, evidence);
  if (!SettleEnd(x, evidence, target, both)) return;
  int y = NarrowSide(b, {x}, false, target, evidence);
  if (!SettleEnd(y, evidence, target, both)) return;
  JudgeCrossPair(x, y, evidence);
}

void Planner::SplitFailingGroups(const std::vector<int>& alive, std::size_t target, std::vector<int>& singles,
                                 std::vector<Interaction>& interactions) {
  std::vector<std::vector<int>> failing{alive};
  while (!failing.empty()) {
    std::vector<Trial> trials;
    std::vector<char> used(state_.size(), 0);
    for (const auto& group : failing) {
      for (int node : group) used[static_cast<std::size_t>(node)] = 1;
    }
    // Share the pool fairly: a round with many groups pads each less.
    std::size_t halves = 2 * failing.size();
    for (const auto& group : failing) {
      std::size_t mid = group.size() / 2;
      std::vector<int> a(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(mid));
      std::vector<int> b(group.begin() + static_cast<std::ptrdiff_t>(mid), group.end());
      std::size_t share = pool_.size() / halves;
      trials.push_back(Padded(a, std::min(target, a.size() + share), used));
      trials.push_back(Padded(b, std::min(target, b.size() + share), used));
    }
    Ran ran = RunRound("split", trials);
    std::vector<std::vector<int>> next;
    int bad_halves = 0;
    for (std::size_t g = 0; g < failing.size(); ++g) {
      bool any_bad = false;
      std::vector<int> halves_of_g[2];
      for (std::size_t h = 0; h < 2; ++h) {
        const Trial& t = trials[2 * g + h];
        std::vector<int> half(t.members.begin(), t.members.begin() + t.under_test);
        halves_of_g[h] = half;
        if (IsBad(ran.results[2 * g + h].outcome)) {
          any_bad = true;
          ++bad_halves;
          for (int node : half) At(node).evidence.push_back(ran.round);
          if (half.size() == 1) {
            // Its padding may hold the other end of a link nobody knows yet: never its company again.
            NodeState& single = At(half[0]);
            single.bad = 1;
            single.failed_company.insert(single.failed_company.end(), t.members.begin() + t.under_test, t.members.end());
            singles.push_back(half[0]);
          } else {
            next.push_back(std::move(half));
          }
        } else if (ran.results[2 * g + h].outcome == TrialOutcome::kPass) {
          for (int node : half) {
            pool_.push_back(node);
            At(node).cleared = true;
          }
          good_sets_.push_back(t.members);  // the half and its padding passed together
        }
      }
      if (!any_bad) interactions.push_back({halves_of_g[0], halves_of_g[1], ran.round});
    }
    Conclude(ran.round, fmt::format("{} of {} halves fail{}", bad_halves, trials.size(),
                                    singles.empty() ? "" : fmt::format("; single suspects so far: {}", Names(singles))));
    failing = std::move(next);
  }
}

Planner::TrialMaker Planner::PaddedAlone(std::size_t target, std::vector<int> exclude) {
  return [this, target, exclude](const std::vector<int>& pending) {
    std::vector<Trial> trials;
    std::vector<char> used(state_.size(), 0);
    for (int node : pending) used[static_cast<std::size_t>(node)] = 1;
    for (int node : exclude) used[static_cast<std::size_t>(node)] = 1;
    std::size_t share = pool_.empty() ? 0 : pool_.size() / pending.size();
    for (int node : pending) {
      constexpr char kThisTrialOnly = 2;
      const std::vector<int>& before = At(node).failed_company;
      for (int other : before) {
        if (!used[static_cast<std::size_t>(other)]) used[static_cast<std::size_t>(other)] = kThisTrialOnly;
      }
      trials.push_back(Padded({node}, std::min(target, 1 + share), used));
      for (int other : before) {
        if (used[static_cast<std::size_t>(other)] == kThisTrialOnly) used[static_cast<std::size_t>(other)] = 0;
      }
    }
    return trials;
  };
}

bool Planner::ReleaseLinkSuspects() {
  bool released = false;
  for (int node : Alive()) {
    NodeState& s = At(node);
    if (!s.link_suspect || IsLinkEnd(node)) continue;
    s.link_suspect = false;
    released = true;
  }
  return released;
}

bool Planner::SearchGroup(const std::vector<int>& alive, std::size_t target) {
  const std::size_t findings_before = result_.findings.size();
  std::vector<int> singles;
  std::vector<Interaction> interactions;
  SplitFailingGroups(alive, target, singles, interactions);
  // A single node under test failed once with cleared company: again with other cleared company.
  Settle(singles, "group", PaddedAlone(target), {}, true);
  // A single that failed in two companies but passed with thirds of them: links into them, found by the cover.
  if (CheckCompanies() && !cover_ran_ && CoverStage(options_.group_limit)) return true;
  bool accused = std::any_of(result_.findings.begin() + static_cast<std::ptrdiff_t>(findings_before),
                              result_.findings.end(), [](const Finding& f) { return f.kind != FindingKind::kUnresolved; });
  // The interactions were seen with the newly accused in the group: they may be theirs (a fault that needs a
  // large group fails a group whose halves are each too small). The next pass runs without them.
  if (accused && !interactions.empty()) return true;
  // A group that fails while both its halves pass: most often a link between them. The cover finds every link at
  // once, in small groups that padding cannot confound; a fault that needs nodes of both halves (scale) does not
  // show there and is narrowed below.
  if (!interactions.empty() && !cover_ran_ && CoverStage(options_.group_limit)) return true;
  for (const Interaction& i : interactions) ResolveInteraction(i.a, i.b, i.round, target);
  return result_.findings.size() > findings_before;
}

bool Planner::WholeGroupPassesFirst() {
  std::vector<int> alive = GroupMembers();
  if (alive.size() < 2) return false;
  Ran ran = RunRound("group", {{TrialKind::kGroup, alive, static_cast<int>(alive.size())}});
  const TrialResult& whole = ran.results[0];
  if (whole.outcome == TrialOutcome::kPass) {
    Conclude(ran.round, fmt::format("the {} nodes pass as one group: no node fails in company, nothing fails at scale "
                                    "(no node round needed); a link that only groups of at most {} show is left to the "
                                    "cover",
                                    alive.size(), options_.group_limit));
    return true;
  }
  Conclude(ran.round, fmt::format("the group of {} does not pass ({}): the matching, the cover and the group stage "
                                  "follow", alive.size(), Describe(whole)));
  early_whole_ = {alive, ran.round};
  return false;
}

void Planner::GroupStage() {
  std::vector<int> alive = GroupMembers();
  if (alive.empty()) return;
  // The same nodes' test already ran first (nothing was accused since): its result stands.
  Ran first = early_whole_.round >= 0 && early_whole_.members == alive
                  ? Ran{early_whole_.round, result_.rounds[static_cast<std::size_t>(early_whole_.round)].results}
                  : RunRound("group", {{TrialKind::kGroup, alive, static_cast<int>(alive.size())}});
  const TrialResult& whole = first.results[0];
  if (whole.outcome == TrialOutcome::kSkipped) {
    Conclude(first.round, "the group probe was skipped: " + whole.reason);
    Unresolved({}, "group", "the group probe was skipped: " + whole.reason, {first.round});
    return;
  }
  if (!IsBad(whole.outcome)) {
    Conclude(first.round, fmt::format("the {} remaining nodes pass as one group", alive.size()));
    return;
  }
  result_.group_failed = true;
  Conclude(first.round, fmt::format("the group of {} fails: {}; splitting", alive.size(), Describe(whole)));
  const std::size_t target = options_.keep_scale ? (alive.size() + 1) / 2 : 0;
  // Each pass that finds something is followed by the group without what it found; the search ends when
  // that group passes (the proof), a pass finds nothing more, or after kPasses (a node failing at random can
  // keep a pass finding unresolved pairs).
  constexpr int kPasses = 8;
  bool covered = false;  // the last pass was the cover's: the group runs again at once
  for (int pass = 1;; ++pass) {
    bool found = covered || (SearchGroup(alive, target) && pass < kPasses);
    covered = false;
    std::vector<int> rest = GroupMembers();
    if (rest.empty()) return;
    Ran last = RunRound("final", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
    final_group_passed_ = !IsBad(last.results[0].outcome);
    if (final_group_passed_) {
      Conclude(last.round, fmt::format("without the accused, the {} remaining nodes pass as one group", rest.size()));
      return;
    }
    Conclude(last.round, fmt::format("the {} remaining nodes still fail as one group: {}{}", rest.size(),
                                     Describe(last.results[0]), found ? "; searching them again" : ""));
    if (!found && !cover_ran_) {
      // Links by default: the splitting explains no more, so every pair of the rest meets in a small group.
      Conclude(last.round, fmt::format("the {} remaining nodes still fail as one group: {}; covering every pair",
                                       rest.size(), Describe(last.results[0])));
      found = covered = CoverStage(options_.group_limit);
    }
    // (Every pair already met in the pair stage: no cover runs, and no link is left to find either.)
    if (!found && (cover_ran_ || every_pair_met_) && ReleaseLinkSuspects()) {
      Conclude(last.round, "the cover named no link of the nodes that passed with thirds of their companies: they are "
                           "searched again as nodes that fail only in large groups");
      found = true;
    }
    if (!found) {
      Unresolved({}, "group", "the nodes left after the accused still fail as a group", {last.round});
      return;
    }
    alive = std::move(rest);
  }
}

}  // namespace kiln
