// Stage 2 of the bisection: every pair in n-1 rounds (small clusters) or one matching; each node failing with
// most partners re-paired with a cleared node (re-pairing); a failing pair whose ends pass with others tested
// as a link (confirmation); what failed once and did not repeat retested in other company (settling).

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"
#include "runners/pairing.hpp"

namespace kiln {

void Planner::RunPairs(const std::vector<Trial>& trials, std::vector<FailedPair>& failed) {
  Ran ran = RunRound("pair", trials);
  int bad = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    int a = trials[i].members[0], b = trials[i].members[1];
    if (IsBad(ran.results[i].outcome)) {
      failed.push_back({a, b, ran.round});
      ++At(a).pair_fails;
      ++At(b).pair_fails;
      ++bad;
    } else if (ran.results[i].outcome == TrialOutcome::kPass) {
      ++At(a).pair_passes;
      ++At(b).pair_passes;
    }
  }
  Conclude(ran.round, fmt::format("{} of {} pairs fail", bad, trials.size()));
}

void Planner::RunMatching(const std::vector<int>& alive, std::size_t shift, std::vector<FailedPair>& failed) {
  std::vector<Trial> trials;
  for (std::size_t k = 0; k < alive.size() / 2; ++k) {
    std::size_t first = shift + 2 * k;
    trials.push_back({TrialKind::kPair, {alive[first % alive.size()], alive[(first + 1) % alive.size()]}, 2});
  }
  RunPairs(trials, failed);
}

void Planner::RunEveryPair(const std::vector<int>& alive, std::vector<FailedPair>& failed) {
  // A node that failed with three partners and passed with none is a suspect already: it sits out the rest
  // (a dead or hung node would cost a timeout in every round).
  auto sits_out = [this](int node) { return At(node).pair_fails >= 3 && At(node).pair_passes == 0; };
  for (const Round& round : CircleRounds(static_cast<int>(alive.size()))) {
    std::vector<Trial> trials;
    for (auto [a, b] : round) {
      int x = alive[static_cast<std::size_t>(a)], y = alive[static_cast<std::size_t>(b)];
      if (!sits_out(x) && !sits_out(y)) trials.push_back({TrialKind::kPair, {x, y}, 2});
    }
    if (!trials.empty()) RunPairs(trials, failed);
  }
}

std::vector<int> Planner::RepairSuspects(const std::vector<int>& suspects, const std::vector<FailedPair>& failed) {
  // A suspect failing again with a cleared partner is accused; the others are settled later. (More than one
  // round only when there are more suspects than cleared nodes.)
  std::vector<int> to_settle;
  std::vector<int> pending = suspects;
  while (!pending.empty()) {
    std::vector<Trial> trials = WithClearedPartners(pending);
    if (trials.empty()) {
      to_settle.insert(to_settle.end(), pending.begin(), pending.end());  // Settle says why they stay open
      break;
    }
    Ran ran = RunRound("repair", trials);
    std::vector<int> accused;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      int node = trials[i].members[0];
      NodeState& s = At(node);
      s.last_partner = trials[i].members[1];
      pending.erase(std::find(pending.begin(), pending.end(), node));
      const TrialResult& r = ran.results[i];
      if (!IsBad(r.outcome)) {
        if (s.bad == 0) s.cleared = r.outcome == TrialOutcome::kPass;
        else to_settle.push_back(node);
        continue;
      }
      s.evidence.push_back(ran.round);
      if (++s.bad >= 2) {
        Accuse(node, "pair", fmt::format("fails in pairs with {} and with the cleared node {}; last: {}",
                                         names_[static_cast<std::size_t>(FirstPartner(failed, node))],
                                         names_[static_cast<std::size_t>(trials[i].members[1])], Describe(r)));
        accused.push_back(node);
      } else {
        to_settle.push_back(node);  // a node left out of every pair that failed once: settle it later
      }
    }
    Conclude(ran.round, accused.empty() ? std::string("every suspect passes with a cleared partner")
                                        : fmt::format("accused: {}", Names(accused)));
  }
  return to_settle;
}

std::vector<int> Planner::ConfirmLinks(const std::vector<FailedPair>& failed, const std::string& stage, int repeats) {
  // The pair must fail `repeats` more times: a flapping end could fake one repeat.
  std::vector<const FailedPair*> candidates;
  for (const FailedPair& p : failed) {
    bool seen = std::any_of(candidates.begin(), candidates.end(), [&](const FailedPair* c) {
      return std::minmax(c->a, c->b) == std::minmax(p.a, p.b);
    });
    if (!At(p.a).accused && !At(p.b).accused && !seen) candidates.push_back(&p);
  }
  std::vector<int> intermittent;
  // Pairs from two matchings may share a node; run them in rounds of disjoint pairs.
  while (!candidates.empty()) {
    std::vector<Trial> round;
    std::vector<const FailedPair*> round_pairs, later;
    std::vector<char> busy(state_.size(), 0);
    for (const FailedPair* p : candidates) {
      auto a = static_cast<std::size_t>(p->a), b = static_cast<std::size_t>(p->b);
      if (busy[a] || busy[b]) {
        later.push_back(p);
        continue;
      }
      busy[a] = busy[b] = 1;
      round.push_back({TrialKind::kPair, {p->a, p->b}, 2});
      round_pairs.push_back(p);
    }
    Ran ran = RunRound("link", round);
    Ran again = repeats >= 2 ? RunRound("link", round) : ran;
    int links = 0;
    for (std::size_t i = 0; i < round.size(); ++i) {
      const FailedPair& p = *round_pairs[i];
      if (IsBad(ran.results[i].outcome) && IsBad(again.results[i].outcome)) {
        std::vector<int> evidence{p.round, ran.round};
        if (repeats >= 2) evidence.push_back(again.round);
        result_.findings.push_back(
            {FindingKind::kLink, {p.a, p.b}, stage,
             repeats >= 2 ? fmt::format("the pair fails three times while each node passes with other partners; "
                                        "last: {}", Describe(again.results[i]))
                          : fmt::format("a group holding both fails, and so do its parts holding both, and the pair "
                                        "twice, while each node passes in other groups; last: {}",
                                        Describe(again.results[i])),
             evidence});
        ++links;
        // The nodes themselves are fine: they passed with cleared partners.
        At(p.a).bad = At(p.b).bad = 0;
        At(p.a).cleared = At(p.b).cleared = true;
      } else {
        intermittent.push_back(p.a);
        intermittent.push_back(p.b);
      }
    }
    if (repeats >= 2) Conclude(ran.round, "each suspect link, once more");
    Conclude(again.round, fmt::format("{} of {} pairs fail {}: link(s) accused", links, round.size(),
                                      repeats >= 2 ? "both times" : "again"));
    candidates = std::move(later);
  }
  return intermittent;
}

int Planner::FirstPartner(const std::vector<FailedPair>& failed, int node) {
  for (const FailedPair& p : failed) {
    if (p.a == node) return p.b;
    if (p.b == node) return p.a;
  }
  return node;
}

void Planner::FirstPairRounds(const std::vector<int>& alive, std::vector<FailedPair>& failed) {
  const auto n = static_cast<long long>(alive.size());
  result_.pairs_total = n * (n - 1) / 2;
  std::size_t first_round = result_.rounds.size();
  if (static_cast<int>(alive.size()) <= options_.every_pair_up_to) {
    RunEveryPair(alive, failed);
    every_pair_met_ = true;
    result_.pairs_tested = 0;
    for (std::size_t r = first_round; r < result_.rounds.size(); ++r) {
      result_.pairs_tested += static_cast<long long>(result_.rounds[r].trials.size());
    }
    result_.pair_coverage = fmt::format("every pair of the {} nodes ({}) in {} round(s) of the circle method{}", n,
                                        result_.pairs_total, result_.rounds.size() - first_round,
                                        result_.pairs_tested < result_.pairs_total
                                            ? fmt::format(", less {} with nodes that failed with three partners first",
                                                          result_.pairs_total - result_.pairs_tested)
                                            : std::string());
    return;
  }
  RunMatching(alive, 0, failed);
  auto cleared = [&] {
    return std::any_of(alive.begin(), alive.end(), [&](int node) { return At(node).pair_passes > 0; });
  };
  if (!failed.empty() && !cleared() && alive.size() > 2) RunMatching(alive, 1, failed);  // other partners
  std::size_t rounds = result_.rounds.size() - first_round;
  result_.pairs_tested = static_cast<long long>(rounds * (alive.size() / 2));
  result_.pair_coverage = fmt::format(
      "{} matching(s): {} of the {} pairs of {} nodes (every pair up to {} nodes); a link between other nodes "
      "shows only to a group probe that exercises every pair (mpi_alltoall)",
      rounds, result_.pairs_tested, result_.pairs_total, n, options_.every_pair_up_to);
}

bool Planner::ClearByPairs(const std::vector<int>& alive, const std::vector<FailedPair>& failed) {
  // A bad node fails with (nearly) every partner, one bad link with one. Suspects: the nodes that pass with
  // nobody, then any node failing with more partners outside the suspects than it passes with, until no
  // more join. The others are cleared; their failed pairs are link candidates.
  std::vector<char> suspect(state_.size(), 0);
  for (int node : alive) suspect[static_cast<std::size_t>(node)] = At(node).pair_passes == 0;
  for (bool grew = true; grew;) {
    grew = false;
    for (int node : alive) {
      if (suspect[static_cast<std::size_t>(node)]) continue;
      int fails = 0;
      for (const FailedPair& p : failed) {
        int other = p.a == node ? p.b : p.b == node ? p.a : -1;
        fails += other >= 0 && !suspect[static_cast<std::size_t>(other)] ? 1 : 0;
      }
      if (fails > At(node).pair_passes) suspect[static_cast<std::size_t>(node)] = grew = true;
    }
  }
  bool any_cleared = false;
  for (int node : alive) {
    At(node).cleared = !suspect[static_cast<std::size_t>(node)];
    any_cleared = any_cleared || At(node).cleared;
  }
  return any_cleared;
}

void Planner::PairStage() {
  std::vector<int> alive = Alive();
  SortByLeaf(alive);  // the matching pairs nodes of one leaf first
  if (alive.size() < 2) return;
  std::vector<FailedPair> failed;
  FirstPairRounds(alive, failed);
  if (!ClearByPairs(alive, failed)) {
    if (!failed.empty()) {
      Unresolved({}, "pair", "every pair fails: no node could be cleared in pairs; left to the group stage",
                 {failed.front().round});
    }
    return;
  }
  // Members of failing pairs (and a node left out of every pair) meet a cleared node.
  std::vector<int> suspects;
  for (int node : alive) {
    if (At(node).cleared) continue;
    for (const FailedPair& p : failed) {
      if (p.a != node && p.b != node) continue;
      At(node).bad = 1;
      At(node).evidence.push_back(p.round);
    }
    suspects.push_back(node);
  }
  std::vector<int> to_settle = RepairSuspects(suspects, failed);
  // A node whose every failed pair had an accused partner: its failures are explained.
  auto explained = [&](int node) {
    return std::all_of(failed.begin(), failed.end(), [&](const FailedPair& p) {
      return (p.a != node && p.b != node) || At(p.a == node ? p.b : p.a).accused;
    });
  };
  for (int node : to_settle) {
    if (At(node).accused || At(node).bad != 1 || !explained(node)) continue;
    At(node).bad = 0;
    At(node).cleared = true;
  }
  std::vector<int> intermittent = ConfirmLinks(failed);
  // Whatever failed once and did not repeat: retest with other cleared partners.
  std::vector<int> settle;
  for (const std::vector<int>* list : {&to_settle, &intermittent}) {
    for (int node : *list) {
      if (At(node).accused || At(node).cleared || std::find(settle.begin(), settle.end(), node) != settle.end()) continue;
      settle.push_back(node);
    }
  }
  for (int node : settle) At(node).tested = 1;  // the re-pairing counts as its first retest
  Settle(settle, "pair", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); }, explained);
}

}  // namespace kiln
