// Residual checks: a failing test is explained only when what was named accounts for it. Every group the cover
// saw fail runs again at the end without the named faults: without the accused nodes, and with the ends of each
// named link kept apart (the group less the first end of every named link in it, then less the second end). A
// group that still fails holds something more (a second link between the same blocks, a link hidden behind a node
// that shows only at scale): it is narrowed again (link_search.cpp) and checked again, until the named faults
// explain it. One that fails and cannot be narrowed is left unresolved with its evidence, never silent; nobody is
// accused on a residual alone (a link still needs its pair to fail again, ConfirmLinks).
// Last, a node left unresolved for failures that the faults named later explain (every failing test it was in held
// both ends of a named link, or an accused node) is no longer unresolved.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

bool Holds(const std::vector<int>& set, int node) { return std::find(set.begin(), set.end(), node) != set.end(); }

std::vector<int> Without(std::vector<int> group, const std::vector<int>& out) {
  std::erase_if(group, [&](int node) { return Holds(out, node); });
  return group;
}

// A residual pass gives up after this many rounds of narrowing (each names at least one link, or ends the pass).
constexpr int kResidualPasses = 6;

}  // namespace

std::vector<char> Planner::ProvenByAWholeTest() const {
  // The last whole-cluster test of the group stage, when it passed and one slow pair shows at its size: every pair
  // of its members is healthy, and no residual test within it needs to run.
  std::vector<char> proven(state_.size(), 0);
  for (auto round = result_.rounds.rbegin(); round != result_.rounds.rend(); ++round) {
    if (round->stage != "group" && round->stage != "final") continue;
    const Trial& whole = round->trials.front();
    const bool shows = options_.group_limit <= 0 || static_cast<int>(whole.members.size()) <= options_.group_limit;
    if (round->results.front().outcome == TrialOutcome::kPass && shows) {
      for (int node : whole.members) proven[static_cast<std::size_t>(node)] = 1;
    }
    break;
  }
  return proven;
}

std::vector<std::vector<int>> Planner::ResidualTests(const std::vector<std::vector<int>>& groups, std::size_t g,
                                                     const std::vector<char>& proven) const {
  std::vector<int> rest;
  for (int node : groups[g]) {
    if (!state_[static_cast<std::size_t>(node)].accused) rest.push_back(node);
  }
  std::vector<int> firsts, seconds, shared;
  for (const Finding& f : result_.findings) {
    if (f.kind != FindingKind::kLink || !Holds(rest, f.members[0]) || !Holds(rest, f.members[1])) continue;
    firsts.push_back(f.members[0]);
    seconds.push_back(f.members[1]);
    // A link within one cover block fails every group of that block: the block's nodes are in all their tests,
    // which would run one group a round. The first end meets the group apart (the shared nodes left out), and the
    // shared nodes meet it in one test of their own, so that one group's tests and another's fit in one round.
    for (std::size_t h = 0; h < groups.size(); ++h) {
      if (h == g || !Holds(groups[h], f.members[0]) || !Holds(groups[h], f.members[1])) continue;
      for (int node : rest) {
        if (Holds(groups[h], node) && !Holds(shared, node)) shared.push_back(node);
      }
    }
  }
  std::vector<std::vector<int>> tests;
  if (firsts.empty()) {
    tests.push_back(std::move(rest));
  } else {
    std::vector<int> apart = Without(shared, firsts);
    tests.push_back(Without(rest, firsts));
    tests.push_back(Without(Without(rest, seconds), apart));
    if (!shared.empty()) tests.push_back(Without(shared, seconds));
  }
  std::erase_if(tests, [&](const std::vector<int>& t) {
    return t.size() < 2 ||
           std::all_of(t.begin(), t.end(), [&](int node) { return proven[static_cast<std::size_t>(node)] != 0; });
  });
  return tests;
}

std::vector<int> Planner::RunResidualTests(const std::vector<std::vector<int>>& tests, std::vector<char>& bad) {
  // Tests of different groups (and the two of one group) may share nodes: rounds of disjoint ones.
  bad.assign(tests.size(), 0);
  std::vector<int> round_of(tests.size(), -1);
  std::vector<std::size_t> left(tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) left[i] = i;
  while (!left.empty()) {
    std::vector<Trial> trials;
    std::vector<std::size_t> which, later;
    std::vector<char> busy(state_.size(), 0);
    for (std::size_t i : left) {
      const std::vector<int>& t = tests[i];
      if (std::any_of(t.begin(), t.end(), [&](int node) { return busy[static_cast<std::size_t>(node)] != 0; })) {
        later.push_back(i);
        continue;
      }
      for (int node : t) busy[static_cast<std::size_t>(node)] = 1;
      trials.push_back({t.size() == 2 ? TrialKind::kPair : TrialKind::kGroup, t, static_cast<int>(t.size())});
      which.push_back(i);
    }
    Ran ran = RunRound("residual", trials);
    std::vector<int> failing;
    for (std::size_t k = 0; k < trials.size(); ++k) {
      round_of[which[k]] = ran.round;
      if (!IsBad(ran.results[k].outcome)) continue;
      bad[which[k]] = 1;
      failing.push_back(static_cast<int>(which[k]));
    }
    Conclude(ran.round,
             fmt::format("{} failing group(s) of the cover run again without the named faults (accused nodes out, "
                         "each named link's ends apart): {}",
                         trials.size(),
                         failing.empty() ? std::string("all pass, the named faults explain them")
                                         : fmt::format("{} still fail{}, narrowed next", failing.size(),
                                                       failing.size() == 1 ? "s" : "")));
    left = std::move(later);
  }
  return round_of;
}

void Planner::AddLeftOutEnds() {
  // The group stage's last whole test leaves one end of each named link out (so that the link does not fail it): a
  // second link on that end was never in a test. Its pass proves every pair of its members; the nodes less the other
  // ends, which hold the left-out ends, are checked with the cover's failing groups (a node with two bad links, one
  // found in the pair stage, lost the other without a word).
  const std::vector<char> proven = ProvenByAWholeTest();
  std::vector<int> group = Alive();
  for (const Finding& f : result_.findings) {
    if (f.kind == FindingKind::kLink) std::erase(group, f.members[0]);
  }
  if (group.size() < 2 || std::none_of(proven.begin(), proven.end(), [](char p) { return p != 0; }) ||
      std::all_of(group.begin(), group.end(), [&](int n) { return proven[static_cast<std::size_t>(n)] != 0; })) {
    return;
  }
  failing_groups_.push_back(std::move(group));
}

void Planner::ExplainResiduals() {
  AddLeftOutEnds();
  std::set<std::vector<int>> distinct;
  std::vector<std::vector<int>> groups;
  for (std::vector<int>& group : failing_groups_) {
    std::vector<int> key = group;
    std::sort(key.begin(), key.end());
    if (distinct.insert(std::move(key)).second) groups.push_back(std::move(group));
  }
  failing_groups_.clear();
  const std::vector<char> proven = ProvenByAWholeTest();
  for (int pass = 0; !groups.empty(); ++pass) {
    std::vector<std::vector<int>> tests;
    std::vector<std::size_t> group_of;
    std::set<std::vector<int>> seen;  // the shared nodes' test is the same for every group of their block
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (std::vector<int>& t : ResidualTests(groups, g, proven)) {
        std::vector<int> key = t;
        std::sort(key.begin(), key.end());
        if (!seen.insert(std::move(key)).second) continue;
        tests.push_back(std::move(t));
        group_of.push_back(g);
      }
    }
    if (tests.empty()) break;
    std::vector<char> bad;
    std::vector<int> round_of = RunResidualTests(tests, bad);
    std::vector<std::vector<int>> failing, still;
    std::vector<int> evidence;
    std::vector<char> kept(groups.size(), 0);
    for (std::size_t i = 0; i < tests.size(); ++i) {
      if (!bad[i]) continue;
      failing.push_back(tests[i]);
      evidence.push_back(round_of[i]);
      if (!kept[group_of[i]]) still.push_back(groups[group_of[i]]), kept[group_of[i]] = 1;
    }
    if (failing.empty()) break;
    if (pass + 1 >= kResidualPasses || !NarrowResiduals(failing)) {
      for (std::size_t i = 0; i < failing.size(); ++i) {
        Unresolved(failing[i], "residual",
                   "a group the cover saw fail still fails without the named faults (accused nodes out, each named "
                   "link's ends apart), and narrowing it named nothing more: a fault here is not explained",
                   {evidence[i]});
      }
      break;
    }
    groups = std::move(still);
  }
  RecheckAtScale();  // exclusion_check.cpp
  WithdrawExplainedUnresolved();
}

bool Planner::NarrowResiduals(const std::vector<std::vector<int>>& failing) {
  // Named: a finding not unresolved, or a link withdrawn (a flapping node named in its place).
  auto named = [this] {
    return withdrawn_links_ + std::count_if(result_.findings.begin(), result_.findings.end(),
                                            [](const Finding& f) { return f.kind != FindingKind::kUnresolved; });
  };
  const auto before = named();
  std::vector<FailedPair> found;
  SearchGroupForLink(failing, found, "residual");
  // The narrowing saw the pair fail in other company (the residual group, its parts): one repeat more.
  std::vector<int> intermittent = ConfirmNarrowedPairs(found, cover_first_round_, "residual", false);
  std::vector<int> settle;
  for (int node : intermittent) {
    if (At(node).accused || IsLinkEnd(node) || Holds(settle, node)) continue;
    settle.push_back(node);
  }
  for (int node : settle) At(node).tested = 0;
  Settle(settle, "residual", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
  return named() > before;
}

bool Planner::FailureExplained(const Trial& trial, int node) const {
  for (int other : trial.members) {
    if (other != node && state_[static_cast<std::size_t>(other)].accused) return true;
  }
  return std::any_of(result_.findings.begin(), result_.findings.end(), [&](const Finding& f) {
    return f.kind == FindingKind::kLink && Holds(trial.members, f.members[0]) && Holds(trial.members, f.members[1]);
  });
}

void Planner::WithdrawExplainedUnresolved() {
  std::vector<int> withdrawn;
  // Decided over every finding first, erased after: FailureExplained reads the findings, which erase_if would be
  // moving about underneath it (a moved-from link has no members: it crashed on 48 nodes with a hung node).
  auto withdrawable = [&](const Finding& f) {
    // Left open with no test of its own (no cleared partner was left for it) and an end of a link named since:
    // the link was why it was under suspicion.
    if (f.kind == FindingKind::kUnresolved && f.rounds.empty() && f.members.size() == 1 && IsLinkEnd(f.members[0])) {
      return true;
    }
    if (f.kind != FindingKind::kUnresolved || f.rounds.empty()) return false;
    // A group of the cover that still failed without the faults named then (accused nodes out) holds a node
    // accused since, or both ends of a link named since: that fault is its failure (a node failing only in large
    // groups, named by the exclusion check after the residual tests, left two such groups unresolved beside it).
    if (f.stage == "residual" && f.members.size() > 1) {
      return std::all_of(f.rounds.begin(), f.rounds.end(), [&](int r) {
        const RoundRecord& round = result_.rounds[static_cast<std::size_t>(r)];
        for (std::size_t i = 0; i < round.trials.size(); ++i) {
          if (IsBad(round.results[i].outcome) && round.trials[i].members.size() == f.members.size() &&
              std::is_permutation(f.members.begin(), f.members.end(), round.trials[i].members.begin())) {
            return FailureExplained(round.trials[i], -1);
          }
        }
        return false;
      });
    }
    // Else only a node left open for failures (not one whose probe was skipped).
    if (f.members.size() != 1 || f.reason.find("skipped") != std::string::npos) return false;
    const int node = f.members[0];
    // Accused since (a node that fails only in large groups, named by the exclusion check after its one failure
    // in the split was left open): the accusation is the answer, not a second finding beside it.
    if (At(node).accused) return true;
    int failures = 0;
    for (int r : f.rounds) {
      const RoundRecord& round = result_.rounds[static_cast<std::size_t>(r)];
      for (std::size_t i = 0; i < round.trials.size(); ++i) {
        if (!IsBad(round.results[i].outcome) || !Holds(round.trials[i].members, node)) continue;
        if (!FailureExplained(round.trials[i], node)) return false;
        ++failures;
      }
    }
    return failures > 0;  // every test it failed held a named fault: its failures are explained
  };
  std::vector<char> out(result_.findings.size(), 0);
  for (std::size_t i = 0; i < result_.findings.size(); ++i) {
    if (!withdrawable(result_.findings[i])) continue;
    out[i] = 1;
    const std::vector<int>& members = result_.findings[i].members;
    withdrawn.insert(withdrawn.end(), members.begin(), members.end());
  }
  std::vector<Finding> kept;
  for (std::size_t i = 0; i < result_.findings.size(); ++i) {
    if (out[i] == 0) kept.push_back(std::move(result_.findings[i]));
  }
  result_.findings = std::move(kept);
  if (withdrawn.empty() || result_.rounds.empty()) return;
  std::sort(withdrawn.begin(), withdrawn.end());
  withdrawn.erase(std::unique(withdrawn.begin(), withdrawn.end()), withdrawn.end());
  RoundRecord& last = result_.rounds.back();
  last.conclusion += fmt::format("{}every failing test of {} held a named fault: no longer unresolved",
                                 last.conclusion.empty() ? "" : "; ", Names(withdrawn));
}

}  // namespace kiln
