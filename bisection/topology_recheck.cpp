// The findings a named switch or uplink explains (topology_stage.cpp names the leaves): each is tested again at
// the size of its smallest failing test, in good company under no named leaf. Passing, it was affected and is
// withdrawn; failing, it stands. With no good company left they meet each other, apart from a possible link's other
// end; those that fail beside each other, or in a pair that may be a link, get one more test with nodes that
// passed. Last, the failures of the nodes withdrawn are looked at again (cleared_pairs.cpp).

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {

std::size_t Planner::SmallestFailure(const Finding& f) const {
  // The smallest failing test of the finding's node (with no test of its own: the probe's sensitivity, or a pair).
  std::size_t size = options_.group_limit > 1 ? static_cast<std::size_t>(options_.group_limit) : 2;
  bool any = false;
  for (int r : f.rounds) {
    const RoundRecord& record = result_.rounds[static_cast<std::size_t>(r)];
    for (std::size_t t = 0; t < record.trials.size(); ++t) {
      const std::vector<int>& m = record.trials[t].members;
      if (IsBad(record.results[t].outcome) && std::find(m.begin(), m.end(), f.members[0]) != m.end()) {
        size = any ? std::min(size, m.size()) : m.size();
        any = true;
      }
    }
  }
  return std::max<std::size_t>(size, 2);
}

std::vector<std::vector<int>> Planner::ChunksApart(const std::vector<int>& nodes, std::size_t size,
                                                   const std::vector<std::pair<int, int>>& apart) const {
  // Each node into the first chunk with room that would not then hold both ends of a named link (which fails it),
  // nor a pair kept `apart` (a possible link).
  std::vector<std::vector<int>> chunks;
  for (int node : nodes) {
    auto fits = [&](std::vector<int>& chunk) {
      auto holds = [&](int n) { return std::find(chunk.begin(), chunk.end(), n) != chunk.end(); };
      const bool split = std::any_of(apart.begin(), apart.end(), [&](const std::pair<int, int>& p) {
        return (p.first == node && holds(p.second)) || (p.second == node && holds(p.first));
      });
      chunk.push_back(node);
      const bool ok = chunk.size() <= size && !split && !HoldsAnAccusedLink(chunk);
      chunk.pop_back();
      return ok;
    };
    auto home = std::find_if(chunks.begin(), chunks.end(), fits);
    if (home == chunks.end()) chunks.push_back({node});
    else home->push_back(node);
  }
  return chunks;
}

bool Planner::PassedAtSize(int node, std::size_t size) const {
  return std::any_of(result_.rounds.begin(), result_.rounds.end(), [&](const RoundRecord& record) {
    for (std::size_t t = 0; t < record.trials.size(); ++t) {
      const std::vector<int>& m = record.trials[t].members;
      if (m.size() >= size && record.results[t].outcome == TrialOutcome::kPass &&
          std::find(m.begin(), m.end(), node) != m.end()) {
        return true;
      }
    }
    return false;
  });
}

std::vector<int> Planner::QuietCompany(const std::vector<char>& verdict) const {
  // Nodes in no finding, not accused, that never failed, under no named leaf.
  const std::vector<int>& leaf_of = options_.leaf_of;
  std::vector<char> used(state_.size(), 0);
  for (const Finding& f : result_.findings) {
    for (int n : f.members) used[static_cast<std::size_t>(n)] = 1;
  }
  std::vector<int> good;
  for (std::size_t n = 0; n < state_.size(); ++n) {
    const bool under_named = leaf_of[n] >= 0 && verdict[static_cast<std::size_t>(leaf_of[n])] != kFine;
    if (used[n] == 0 && !state_[n].accused && state_[n].bad == 0 && !under_named) good.push_back(static_cast<int>(n));
  }
  return good;
}

void Planner::RecheckExplained(const std::vector<char>& verdict) {
  // The findings left whose every failure a named switch or uplink, another accused node or a named link explains
  // (or all but failures that share other nodes, a possible link): each is tested again at the size of its smallest
  // failing test, with company that nothing implicates, under no named leaf, never with those other nodes.
  // Passing, it was affected and is withdrawn; failing, it stands.
  const std::vector<int>& leaf_of = options_.leaf_of;
  const std::vector<int> good = QuietCompany(verdict);
  std::vector<Trial> trials;
  std::vector<int> rest;  // no good company left: tested with each other, all under test
  std::size_t next = 0, rest_size = 2;
  std::vector<Retry> retry;  // tested next with nodes that pass here, at this size (never with `avoid`)
  std::vector<std::pair<int, int>> apart;  // a node and a possible link's other end: never in one chunk
  for (const Finding& f : result_.findings) {
    LinkDoubt doubt;  // a possible link's other end: only good company tells the node from the link
    if (!SingleNode(f) || f.stage == "topology" || !ExplainedByTopology(f.members[0], f, verdict, &doubt)) continue;
    // A node that never passed a test as large as its failures that no named fault explains may fail only in
    // large groups: it is rechecked at that size (smaller, it passed and was withdrawn).
    std::size_t size = SmallestFailure(f);
    if (doubt.size > size && !PassedAtSize(f.members[0], doubt.size)) size = doubt.size;
    const std::vector<int>& partners = doubt.partners;
    const bool room = next + size - 1 <= good.size();
    const auto slice = good.begin() + static_cast<std::ptrdiff_t>(std::min(next, good.size()));
    const auto slice_end = room ? good.begin() + static_cast<std::ptrdiff_t>(next + size - 1) : slice;
    if (room && std::find_first_of(slice, slice_end, partners.begin(), partners.end()) != slice_end) {
      retry.push_back({f.members[0], size, partners});  // with nodes that pass here, after
      continue;
    }
    if (!room) {
      for (int p : partners) apart.emplace_back(f.members[0], p);
      rest.push_back(f.members[0]);
      rest_size = std::max(rest_size, size);
      continue;
    }
    Trial trial{size == 2 ? TrialKind::kPair : TrialKind::kGroup, {f.members[0]}, 1};
    trial.members.insert(trial.members.end(), good.begin() + static_cast<std::ptrdiff_t>(next),
                         good.begin() + static_cast<std::ptrdiff_t>(next + size - 1));
    next += size - 1;
    trials.push_back(std::move(trial));
  }
  for (std::vector<int>& chunk : ChunksApart(rest, rest_size, apart)) {
    const int under_test = static_cast<int>(chunk.size());
    while (chunk.size() < rest_size && next < good.size()) chunk.push_back(good[next++]);  // the last: padded
    if (chunk.size() < 2) retry.push_back({chunk[0], rest_size, {}});  // a last chunk of one, no company left
    else trials.push_back({chunk.size() == 2 ? TrialKind::kPair : TrialKind::kGroup, chunk, under_test});
  }
  if (trials.empty() && retry.empty()) return;
  std::vector<int> again(state_.size(), kUntested), withdrawn;
  if (!trials.empty()) {
    const int round = LeafPairRound(trials, again);
    const std::size_t cleared = WithdrawPassed(round, again, withdrawn);
    Conclude(round, fmt::format("{} finding(s) that a slow switch, uplink or accused node explains tested again in "
                                "good company: {} pass and are withdrawn (affected, not at fault)",
                                trials.size(), cleared));
  }
  AddFailedRechecks(trials, again, retry);
  std::vector<int> spare(good.begin() + static_cast<std::ptrdiff_t>(std::min(next, good.size())), good.end());
  RecheckWithPassed(retry, withdrawn, spare);
  std::vector<char> under_named(state_.size(), 0);
  for (std::size_t n = 0; n < state_.size(); ++n) {
    under_named[n] = leaf_of[n] >= 0 && verdict[static_cast<std::size_t>(leaf_of[n])] != kFine ? 1 : 0;
  }
  RecheckPairsOfWithdrawn(withdrawn, under_named);
  SearchFailuresOfWithdrawn(withdrawn, under_named, [&](const std::vector<int>& m) { return TopologyExplains(m, verdict); });
}

std::size_t Planner::WithdrawPassed(int round, const std::vector<int>& result, std::vector<int>& withdrawn) {
  // Each one-node finding tested in `round` (`result`: per node kUntested, 0 pass, 1 fail): failing, it stands with
  // that round as evidence; passing, it was affected, not at fault, and is withdrawn.
  std::size_t count = 0;
  std::erase_if(result_.findings, [&](Finding& f) {
    if (!SingleNode(f) || result[static_cast<std::size_t>(f.members[0])] == kUntested) return false;
    if (result[static_cast<std::size_t>(f.members[0])] == 1) {
      f.rounds.push_back(round);
      return false;
    }
    At(f.members[0]).accused = false;
    At(f.members[0]).cleared = true;
    withdrawn.push_back(f.members[0]);
    ++count;
    return true;
  });
  return count;
}

void Planner::AddFailedRechecks(const std::vector<Trial>& trials, const std::vector<int>& again,
                                std::vector<Retry>& retry) const {
  // Findings tested with each other that failed: a bad node among them fails the others, only affected. One that
  // failed in a pair of good company: that partner may be the other end of a link never seen, so once more apart.
  for (const Trial& t : trials) {
    if (again[static_cast<std::size_t>(t.members[0])] != 1) continue;
    if (t.under_test == 1 && t.members.size() == 2) retry.push_back({t.members[0], 2, {t.members[1]}});
    for (int k = 0; t.under_test >= 2 && k < t.under_test; ++k) {
      retry.push_back({t.members[static_cast<std::size_t>(k)], t.members.size(), {}});
    }
  }
}

void Planner::RecheckWithPassed(const std::vector<Retry>& retry, std::vector<int>& withdrawn,
                                const std::vector<int>& spare) {
  // Each node once more, at its test's size, with nodes that just passed and were withdrawn, then good company left.
  std::vector<Trial> retries;
  std::vector<int> partners = withdrawn;
  partners.insert(partners.end(), spare.begin(), spare.end());
  for (const Retry& r : retry) {
    Trial t{r.size == 2 ? TrialKind::kPair : TrialKind::kGroup, {r.node}, 1};
    for (auto p = partners.begin(); p != partners.end() && t.members.size() < r.size;) {
      if (std::find(r.avoid.begin(), r.avoid.end(), *p) != r.avoid.end()) {
        ++p;
        continue;
      }
      t.members.push_back(*p);
      p = partners.erase(p);
    }
    if (t.members.size() == r.size) retries.push_back(std::move(t));
  }
  if (retries.empty()) return;
  std::vector<int> result(state_.size(), kUntested);
  const int round = LeafPairRound(retries, result);
  const std::size_t cleared = WithdrawPassed(round, result, withdrawn);
  Conclude(round, fmt::format("{} of them again with other nodes that passed (no company of their own, failing "
                              "beside each other, or in a pair that may be a link): {} pass and are withdrawn",
                              retries.size(), cleared));
}

}  // namespace kiln
