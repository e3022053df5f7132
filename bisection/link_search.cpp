// The search for the bad pair inside a failing group (after the cover stage): halving with every hypothesis of
// a round tested at once. A group W holds the pair: its halves W0 and W1 are tested; one failing holds it, both
// passing means one end in each (a cross hypothesis). A cross hypothesis (A, B) tests A0+B0 and A1+B1; one failing
// narrows both sides at once, neither failing leaves (A0, B1) and (A1, B0), which are disjoint and go on side by
// side; a failing part of two nodes was their pair's test, so the pair is found there. A group of g nodes costs
// about log2(g) rounds (its worst case log2(g) + 1), where testing its pairs costs g-1; no test is larger
// than the group, so a pair that only small tests show (diluted) keeps showing. The pair found is a link on this
// evidence alone when neither end failed without the other (AccuseLinksOnEvidence); else it is tested once more.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

struct Hypothesis {
  std::vector<int> a, b;  // b empty: the pair lies within a; else one end in a and one in b
  // Hypotheses of one clause hold a failing pair between them (a test holding all of them failed). Once one of them
  // fails a test, the clause is explained and the others are `optional`: they can only hold a second link, which one
  // test of each whole says (run beside the narrowing, where halving them would cost rounds after the pair is found).
  int clause = 0;
  bool optional = false;
};

// Within two nodes is their pair: a cross of one and one, whose test is the pair test.
Hypothesis Make(std::vector<int> a, std::vector<int> b, int clause) {
  if (b.empty() && a.size() == 2) return {{a[0]}, {a[1]}, clause};
  return {std::move(a), std::move(b), clause};
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

// A round's tests: each hypothesis's two parts (halves, or crossed halves); `of` says whose part each test is. A part
// whose pairs all passed together before (`good`: a block of the cover that passed) cannot fail and is not run.
std::vector<Trial> PartTrials(const std::vector<Hypothesis>& live, std::vector<std::pair<std::size_t, int>>& of,
                              const Planner::KnownGood& good) {
  std::vector<Trial> trials;
  auto add = [&](std::vector<int> part, std::size_t h, int which) {
    if (part.size() < 2 || (good && good(part))) return;
    trials.push_back(GroupTrial(std::move(part)));
    of.emplace_back(h, which);
  };
  for (std::size_t h = 0; h < live.size(); ++h) {
    const Hypothesis& hyp = live[h];
    if (hyp.optional) {  // its whole, once
      std::vector<int> whole = hyp.a;
      whole.insert(whole.end(), hyp.b.begin(), hyp.b.end());
      add(std::move(whole), h, 0);
      continue;
    }
    auto [a0, a1] = Halves(hyp.a);
    if (hyp.b.empty()) {
      add(a0, h, 0);
      add(a1, h, 1);
      continue;
    }
    auto [b0, b1] = Halves(hyp.b);
    std::vector<int> part = a0;
    part.insert(part.end(), b0.begin(), b0.end());
    add(std::move(part), h, 0);
    if (a1.empty() || b1.empty()) continue;
    part = a1;
    part.insert(part.end(), b1.begin(), b1.end());
    add(std::move(part), h, 1);
  }
  return trials;
}

// What the round's results leave: the hypotheses to narrow further, and the pairs whose own test failed.
struct Narrowed {
  std::vector<Hypothesis> next;
  std::vector<std::pair<int, int>> pairs;
  std::vector<int> explained;  // clauses a failing test explained this round
  int& clauses;                // the last clause number given

  // A part of `clause` that failed: a pair when it is two nodes (its test was the pair's), else narrowed further in
  // a clause of its own.
  void Failing(std::vector<int> a, std::vector<int> b, int clause) {
    explained.push_back(clause);
    if (b.empty() && a.size() == 2) b = {a[1]}, a.resize(1);
    if (a.size() == 1 && b.size() == 1) {
      pairs.emplace_back(a[0], b[0]);
    } else {
      next.push_back(Make(std::move(a), std::move(b), ++clauses));
    }
  }
};

// `bad[2h + i]`: part i of hypothesis h failed.
Narrowed Narrow(const std::vector<Hypothesis>& live, const std::vector<char>& bad, int& clauses) {
  Narrowed out{{}, {}, {}, clauses};
  for (std::size_t h = 0; h < live.size(); ++h) {
    const Hypothesis& hyp = live[h];
    const int c = hyp.clause;
    const bool bad0 = bad[2 * h] != 0, bad1 = bad[2 * h + 1] != 0;
    if (hyp.optional) {  // its whole passed: no second link there; failed: a clause of its own
      if (bad0) out.Failing(hyp.a, hyp.b, c);
      continue;
    }
    auto [a0, a1] = Halves(hyp.a);
    if (hyp.b.empty()) {
      if (bad0) out.Failing(a0, {}, c);
      if (bad1) out.Failing(a1, {}, c);
      if (!bad0 && !bad1) out.next.push_back(Make(a0, a1, c));
      continue;
    }
    if (hyp.a.size() == 1 && hyp.b.size() == 1) {
      if (bad0) out.Failing(hyp.a, hyp.b, c);
      continue;  // a pair that passes: this line of the search ends (its failure did not repeat)
    }
    auto [b0, b1] = Halves(hyp.b);
    if (bad0) out.Failing(a0, b0, c);
    if (bad1) out.Failing(a1, b1, c);
    if (!bad0 && !bad1) {
      if (!a0.empty() && !b1.empty()) out.next.push_back(Make(a0, b1, c));
      if (!a1.empty() && !b0.empty()) out.next.push_back(Make(a1, b0, c));
    }
  }
  for (Hypothesis& h : out.next) {
    h.optional = h.optional || std::find(out.explained.begin(), out.explained.end(), h.clause) != out.explained.end();
  }
  return out;
}

// A hypothesis none of whose parts can fail (all known good) is narrowed as if both passed, without a round, until
// every hypothesis has a test to run: a round is not spent on a block of the cover that passed already.
void SkipKnownGoodParts(std::vector<Hypothesis>& live, const Planner::KnownGood& good, int& clauses) {
  if (!good) return;
  for (bool again = true; again;) {
    again = false;
    std::vector<Hypothesis> ready, idle;
    for (Hypothesis& h : live) {
      std::vector<std::pair<std::size_t, int>> of;
      (PartTrials({h}, of, good).empty() ? idle : ready).push_back(std::move(h));
    }
    if (!idle.empty()) {
      again = true;
      for (Hypothesis& h : Narrow(idle, std::vector<char>(2 * idle.size(), 0), clauses).next) ready.push_back(std::move(h));
    }
    live = std::move(ready);
  }
}

}  // namespace

std::vector<std::vector<int>> Planner::DisjointBatch(std::vector<std::vector<int>>& groups,
                                                     const std::vector<FailedPair>& failed) const {
  auto holds_a_found_pair = [&](const std::vector<int>& group) {
    return std::any_of(failed.begin(), failed.end(), [&](const FailedPair& p) {
      return std::find(group.begin(), group.end(), p.a) != group.end() &&
             std::find(group.begin(), group.end(), p.b) != group.end();
    });
  };
  std::vector<std::vector<int>> batch, later;
  std::vector<char> busy(state_.size(), 0);
  for (std::vector<int>& group : groups) {
    if (HoldsAnAccusedLink(group) || holds_a_found_pair(group) ||
        std::any_of(group.begin(), group.end(), [&](int node) { return state_[static_cast<std::size_t>(node)].accused; })) {
      continue;
    }
    if (std::any_of(group.begin(), group.end(), [&](int node) { return busy[static_cast<std::size_t>(node)]; })) {
      later.push_back(std::move(group));
      continue;
    }
    for (int node : group) busy[static_cast<std::size_t>(node)] = 1;
    batch.push_back(std::move(group));
  }
  groups = std::move(later);
  return batch;
}

void Planner::SearchGroupForLink(std::vector<std::vector<int>> groups, std::vector<FailedPair>& failed,
                                 const std::string& stage, const KnownGood& good, bool checked_later) {
  // Groups of different cover rounds may share nodes: search them in batches of disjoint groups, and drop a group
  // that a link found meanwhile explains.
  while (!groups.empty()) {
    std::vector<Hypothesis> live;
    int clauses = 0;
    for (std::vector<int>& group : DisjointBatch(groups, failed)) live.push_back(Make(std::move(group), {}, ++clauses));
    while (!live.empty()) {
      SkipKnownGoodParts(live, good, clauses);
      // Beside the narrowing their tests are free; alone they would cost a round that the check at the end repeats.
      if (checked_later && std::all_of(live.begin(), live.end(), [](const Hypothesis& h) { return h.optional; })) break;
      if (live.empty()) break;
      std::vector<std::pair<std::size_t, int>> of;  // hypothesis, and which of its tests (0 or 1)
      std::vector<Trial> trials = PartTrials(live, of, good);
      std::vector<char> bad(2 * live.size(), 0);
      Ran ran = RunRound(stage == "group" ? "narrow" : "search", trials);
      for (std::size_t t = 0; t < trials.size(); ++t) {
        bad[2 * of[t].first + static_cast<std::size_t>(of[t].second)] = IsBad(ran.results[t].outcome) ? 1 : 0;
      }
      Narrowed narrowed = Narrow(live, bad, clauses);
      for (auto [a, b] : narrowed.pairs) failed.push_back({a, b, ran.round});
      std::size_t failing = static_cast<std::size_t>(std::count(bad.begin(), bad.end(), 1));
      Conclude(ran.round, fmt::format("{} of {} parts fail; {} failing pair(s) found, {} part(s) left to narrow",
                                      failing, trials.size(), narrowed.pairs.size(), narrowed.next.size()));
      live = std::move(narrowed.next);
    }
  }
}

std::vector<Planner::FailedPair> Planner::AccuseLinksOnEvidence(const std::vector<FailedPair>& failed,
                                                                 std::size_t first_round, const std::string& stage) {
  // Per candidate pair: failing tests holding both ends (their rounds), tests holding one end only (failing, passing).
  struct Tally {
    std::vector<int> both;
    int one_failing = 0, a_passing = 0, b_passing = 0;
  };
  std::vector<FailedPair> pairs;
  for (const FailedPair& p : failed) {
    auto same = [&](const FailedPair& q) { return std::minmax(q.a, q.b) == std::minmax(p.a, p.b); };
    if (!At(p.a).accused && !At(p.b).accused && std::none_of(pairs.begin(), pairs.end(), same)) pairs.push_back(p);
  }
  std::vector<Tally> tally(pairs.size());
  std::vector<std::vector<std::pair<std::size_t, int>>> ends(state_.size());  // node: (pair, which end)
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    ends[static_cast<std::size_t>(pairs[i].a)].emplace_back(i, 1);
    ends[static_cast<std::size_t>(pairs[i].b)].emplace_back(i, 2);
  }
  std::vector<int> held(pairs.size(), 0);  // scratch: which ends of each pair the trial holds (bits)
  std::vector<std::size_t> touched;
  for (std::size_t r = first_round; r < result_.rounds.size(); ++r) {
    const RoundRecord& round = result_.rounds[r];
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      const TrialOutcome outcome = round.results[t].outcome;
      for (int node : round.trials[t].members) {
        for (auto [i, bit] : ends[static_cast<std::size_t>(node)]) {
          if (held[i] == 0) touched.push_back(i);
          held[i] |= bit;
        }
      }
      for (std::size_t i : touched) {
        Tally& k = tally[i];
        if (outcome == TrialOutcome::kSkipped) {
        } else if (held[i] == 3) {
          if (IsBad(outcome)) k.both.push_back(round.index);
        } else if (IsBad(outcome)) {
          ++k.one_failing;
        } else {
          (held[i] == 1 ? k.a_passing : k.b_passing) += 1;
        }
        held[i] = 0;
      }
      touched.clear();
    }
  }
  std::vector<FailedPair> unconfirmed;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Tally& k = tally[i];
    const FailedPair& p = pairs[i];
    if (k.both.size() < 2 || k.one_failing > 0 || k.a_passing == 0 || k.b_passing == 0) {
      unconfirmed.push_back(p);
      continue;
    }
    result_.findings.push_back(
        {FindingKind::kLink, {p.a, p.b}, stage,
         fmt::format("the pair fails in {} tests holding both (its group, the parts holding both, the pair alone), "
                     "while neither node fails in any test without the other and each passes in {} and {} such tests",
                     k.both.size(), k.a_passing, k.b_passing),
         k.both});
    Conclude(p.round, fmt::format("{} and {}: the pair fails; with its group's failures and the ends passing apart, "
                                  "a link", names_[static_cast<std::size_t>(p.a)], names_[static_cast<std::size_t>(p.b)]));
    At(p.a).bad = At(p.b).bad = 0;  // the nodes themselves are fine: they passed in other company
    At(p.a).cleared = At(p.b).cleared = true;
  }
  return unconfirmed;
}

}  // namespace kiln
