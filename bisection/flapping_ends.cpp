// Before the pairs the cover's narrowing found are accused as links: is an end of them a node that
// fails only some of its tests (flapping)? Under a probe sensitivity the cover's groups holding
// such a node fail only sometimes, the narrowing of each follows its failures and ends on a pair
// with it, and each such pair looks like a link (it failed in its group, in the parts holding both,
// alone). Two things tell a flapping node from a link's end: it ends pairs with two partners or
// more (one link per node is the rule, two sharing an end are rare), and it fails tests that hold
// none of its partners. Such an end is tested with cleared partners, round after round, before any
// of its pairs is accused: failing once more (its third failure, each in different company), it is
// the node; passing every time, its pairs are links to confirm, each failing again every time it is
// tested (a link's pair fails each time).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

// Tests of a suspect end with cleared partners before its pairs are tried as links: a node failing
// 30% of its tests passes all of them 6% of the time (0.7^8), and then its pairs must still fail
// twice more each.
constexpr int kFlapTests = 8;

bool Holds(const std::vector<int>& members, int node) {
  return std::find(members.begin(), members.end(), node) != members.end();
}

}  // namespace

bool Planner::ExplainedWithout(const std::vector<int>& members, int node) const {
  for (int other : members) {
    if (other != node && state_[static_cast<std::size_t>(other)].accused) return true;
  }
  return std::any_of(result_.findings.begin(), result_.findings.end(), [&](const Finding& f) {
    return f.kind == FindingKind::kLink && !Holds(f.members, node) &&
           Holds(members, f.members[0]) && Holds(members, f.members[1]);
  });
}

std::vector<int> Planner::FlappingSuspects(const std::vector<FailedPair>& pairs,
                                           std::size_t first_round) const {
  std::vector<std::vector<int>> partners(state_.size());
  for (const FailedPair& p : pairs) {
    if (state_[static_cast<std::size_t>(p.a)].accused ||
        state_[static_cast<std::size_t>(p.b)].accused)
      continue;
    auto add = [&](int node, int other) {
      std::vector<int>& of = partners[static_cast<std::size_t>(node)];
      if (!Holds(of, other)) of.push_back(other);
    };
    add(p.a, p.b);
    add(p.b, p.a);
  }
  // A link accused earlier is a pair like the others: a flapping node's first pair may have passed
  // as a link.
  for (const Finding& f : result_.findings) {
    if (f.kind != FindingKind::kLink) continue;
    for (int end : {0, 1}) {
      std::vector<int>& of =
          partners[static_cast<std::size_t>(f.members[static_cast<std::size_t>(end)])];
      if (!of.empty() && !Holds(of, f.members[static_cast<std::size_t>(1 - end)])) {
        of.push_back(f.members[static_cast<std::size_t>(1 - end)]);
      }
    }
  }
  std::vector<int> suspects;
  // Rounds in which it failed a test holding none of its partners, unexplained. Two: a link's end
  // fails apart once at most in the cover (the one group it shares with a fault not named yet, such
  // as a node failing at scale).
  std::vector<int> failed_apart(state_.size(), 0), last(state_.size(), -1);
  for (std::size_t r = first_round; r < result_.rounds.size(); ++r) {
    const RoundRecord& round = result_.rounds[r];
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      if (!IsBad(round.results[t].outcome)) continue;
      for (int node : round.trials[t].members) {
        const std::vector<int>& of = partners[static_cast<std::size_t>(node)];
        if (of.empty() || last[static_cast<std::size_t>(node)] == round.index) continue;
        if (std::any_of(of.begin(), of.end(),
                        [&](int other) { return Holds(round.trials[t].members, other); }))
          continue;
        if (ExplainedWithout(round.trials[t].members, node)) continue;
        // Another pair found, both its ends in the test (two links in one group), explains it as
        // well.
        const bool other_pair = std::any_of(pairs.begin(), pairs.end(), [&](const FailedPair& p) {
          return p.a != node && p.b != node && Holds(round.trials[t].members, p.a) &&
                 Holds(round.trials[t].members, p.b);
        });
        if (other_pair) continue;
        last[static_cast<std::size_t>(node)] = round.index;
        ++failed_apart[static_cast<std::size_t>(node)];
      }
    }
  }
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (partners[i].size() >= 2 || failed_apart[i] >= 2) suspects.push_back(static_cast<int>(i));
  }
  return AloneInTheirLeaves(std::move(suspects));
}

std::vector<int> Planner::AloneInTheirLeaves(std::vector<int> suspects) const {
  // Under a tree (--topology), a slow switch or uplink makes the nodes under it fail in many companies, as a
  // flapping node does, and testing them with cleared partners accused them (two random clusters): a suspect that
  // shares its leaf with another is left to the topology stage, which names the leaf. A flapping node is one node.
  if (options_.leaf_of.empty()) return suspects;
  std::vector<int> per_leaf;
  auto leaf = [&](int node) { return options_.leaf_of[static_cast<std::size_t>(node)]; };
  for (int node : suspects) {
    if (leaf(node) < 0) continue;
    if (per_leaf.size() <= static_cast<std::size_t>(leaf(node))) per_leaf.resize(leaf(node) + 1, 0);
    ++per_leaf[static_cast<std::size_t>(leaf(node))];
  }
  std::erase_if(suspects, [&](int node) {
    return leaf(node) >= 0 && per_leaf[static_cast<std::size_t>(leaf(node))] > 1;
  });
  return suspects;
}

std::vector<Planner::FailedPair> Planner::SettleFlappingEnds(const std::vector<FailedPair>& failed,
                                                             std::size_t first_round,
                                                             const std::string& stage,
                                                             std::vector<FailedPair>& doubtful) {
  std::vector<int> pending = FlappingSuspects(failed, first_round);
  for (int node :
       pending) {  // a link to a partner would fail it again: never its partner in these tests
    for (const FailedPair& p : failed) {
      if (p.a == node || p.b == node) At(node).failed_company.push_back(p.a == node ? p.b : p.a);
    }
    for (const Finding& f : result_.findings) {
      if (f.kind == FindingKind::kLink && Holds(f.members, node)) {
        At(node).failed_company.push_back(f.members[0] == node ? f.members[1] : f.members[0]);
      }
    }
  }
  TestWithCleared(pending, stage, [&] { return FlappingSuspects(failed, first_round); });
  std::vector<FailedPair> kept;
  for (const FailedPair& p : failed) {
    if (At(p.a).accused || At(p.b).accused) continue;
    (Holds(pending, p.a) || Holds(pending, p.b) ? doubtful : kept).push_back(p);
  }
  return kept;
}

void Planner::TestWithCleared(std::vector<int>& pending, const std::string& stage,
                              const std::function<std::vector<int>()>& suspects) {
  std::vector<int> passed, budget(state_.size(), 0), passes(state_.size(), 0);
  for (int node : pending) budget[static_cast<std::size_t>(node)] = FlapBudget(node);
  for (int round = 0; round < kFlapTests && !pending.empty(); ++round) {
    for (int node : pending) At(node).cleared = false;
    std::vector<Trial> trials = WithClearedPartners(pending, true);
    if (trials.empty()) break;
    Ran ran = RunRound("flapping", trials);
    std::vector<int> accused;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      const int node = trials[i].members[0];
      At(node).last_partner = trials[i].members[1];
      if (!IsBad(ran.results[i].outcome)) {
        if (++passes[static_cast<std::size_t>(node)] >= budget[static_cast<std::size_t>(node)])
          passed.push_back(node);
        continue;
      }
      At(node).evidence.push_back(ran.round);
      if (FirstFailureAcrossLeaves(node, trials[i].members[1])) continue;
      Accuse(node, stage,
             fmt::format(
                 "fails in tests with different partners that no named fault explains, and again "
                 "with the cleared node {} ({}): a node failing only some of its tests, not links",
                 names_[static_cast<std::size_t>(trials[i].members[1])], Describe(ran.results[i])));
      accused.push_back(node);
    }
    WithdrawWhatAccusedNodesExplain();
    std::erase_if(pending, [&](int node) { return At(node).accused || Holds(passed, node); });
    // A suspect only for failing beside one accused meanwhile is a suspect no more.
    std::vector<int> still = suspects();
    std::erase_if(pending, [&](int node) { return !Holds(still, node); });
    Conclude(ran.round, accused.empty()
                            ? fmt::format("{} suspect(s) pass with cleared partners", trials.size())
                            : fmt::format("accused as flapping: {}", Names(accused)));
  }
  pending.insert(pending.end(), passed.begin(), passed.end());
}

bool Planner::FirstFailureAcrossLeaves(int node, int partner) {
  // Under a tree, a cleared partner under another leaf meets the suspect across the uplinks, and one of them may be
  // slow (the topology stage names it last): a node alone in its leaf (no cleared partner beside it) failed with
  // every partner under a slow uplink and was accused. A failure across leaves counts once it repeats with a partner
  // of yet another leaf; the first leaf's nodes are its partners no more.
  if (options_.leaf_of.empty()) return false;
  auto leaf = [&](int n) { return options_.leaf_of[static_cast<std::size_t>(n)]; };
  NodeState& s = At(node);
  const int other = leaf(partner);
  if (other >= 0 && other == leaf(node)) return false;
  if (s.failed_leaf != kNoLeafYet) return s.failed_leaf == other;  // the same leaf again: still one uplink
  s.failed_leaf = other;
  for (std::size_t n = 0; n < options_.leaf_of.size(); ++n) {
    if (options_.leaf_of[n] == other) s.failed_company.push_back(static_cast<int>(n));
  }
  return true;
}

void Planner::WithdrawWhatAccusedNodesExplain() {
  // A link named earlier with an accused node at one end was that node's failures (a node failing
  // only some of its tests fakes a link's repeats), and so was the node's own earlier unresolved
  // finding.
  withdrawn_links_ += static_cast<long>(std::erase_if(result_.findings, [&](const Finding& f) {
    const bool link =
        f.kind == FindingKind::kLink &&
        std::any_of(f.members.begin(), f.members.end(), [&](int node) { return At(node).accused; });
    const bool own = f.kind == FindingKind::kUnresolved && f.members.size() == 1 &&
                     At(f.members[0]).accused && f.reason.find("skipped") == std::string::npos;
    return link || own;
  }));
}

int Planner::FlapBudget(int node) const {
  // Its share of failing cover groups without its partners: a node failing that often fails one of
  // n tests with cleared partners with probability 1 - (1 - rate)^n; n is chosen for 98%, within 2
  // and kFlapTests.
  const std::vector<int>& partners = state_[static_cast<std::size_t>(node)].failed_company;
  int held = 0, failed = 0;
  for (std::size_t r = cover_first_round_; r < result_.rounds.size(); ++r) {
    const RoundRecord& round = result_.rounds[r];
    if (round.stage != "cover") continue;
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      const std::vector<int>& members = round.trials[t].members;
      if (!Holds(members, node) || std::any_of(partners.begin(), partners.end(),
                                               [&](int other) { return Holds(members, other); })) {
        continue;
      }
      ++held;
      failed += IsBad(round.results[t].outcome) ? 1 : 0;
    }
  }
  const double rate = held == 0 ? 0 : static_cast<double>(failed) / held;
  if (rate <= 0.3) return kFlapTests;
  return std::clamp(
      static_cast<int>(std::ceil(std::log(0.02) / std::log(1 - std::min(rate, 0.99)))), 2,
      kFlapTests);
}

std::vector<int> Planner::RecurringFailures(std::size_t first_round) const {
  std::vector<int> last(state_.size(), -1), rounds(state_.size(), 0);
  for (std::size_t r = first_round; r < result_.rounds.size(); ++r) {
    const RoundRecord& round = result_.rounds[r];
    if (round.stage != "cover") continue;
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      if (!IsBad(round.results[t].outcome)) continue;
      for (int node : round.trials[t].members) {
        const auto i = static_cast<std::size_t>(node);
        if (state_[i].accused || last[i] == round.index ||
            ExplainedWithout(round.trials[t].members, node))
          continue;
        last[i] = round.index;
        ++rounds[i];
      }
    }
  }
  std::vector<int> out;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (rounds[i] >= 2) out.push_back(static_cast<int>(i));
  }
  return AloneInTheirLeaves(std::move(out));
}

std::vector<int> Planner::ConfirmNarrowedPairs(const std::vector<FailedPair>& found,
                                               std::size_t first_round, const std::string& stage,
                                               bool on_evidence) {
  std::vector<FailedPair> doubtful;
  std::vector<FailedPair> pairs = SettleFlappingEnds(found, first_round, stage, doubtful);
  if (on_evidence) pairs = AccuseLinksOnEvidence(pairs, first_round, stage);
  std::vector<int> intermittent = ConfirmLinks(pairs, stage, 1);
  if (!doubtful.empty()) {
    std::vector<int> more = ConfirmLinks(doubtful, stage, 2);
    intermittent.insert(intermittent.end(), more.begin(), more.end());
  }
  // A narrowing that found no pair at all, while cover groups of two rounds (which share one block
  // at most) failed unexplained: a node in all of them that fails at random, whose failures did not
  // repeat down to a pair.
  std::vector<int> recurring = found.empty() ? RecurringFailures(first_round) : std::vector<int>{};
  if (!recurring.empty())
    TestWithCleared(recurring, stage, [&] { return RecurringFailures(first_round); });
  return intermittent;
}

}  // namespace kiln
