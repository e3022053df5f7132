#include "bisection/planner.hpp"

#include "bisection/planner_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace kiln {

double CulpritSetLowerBound(int nodes, int culprits) {
  if (culprits <= 0 || culprits > nodes) return 0;
  double n = nodes, d = culprits;
  return (std::lgamma(n + 1) - std::lgamma(d + 1) - std::lgamma(n - d + 1)) / std::log(2.0);
}

BisectResult Planner::Run() {
  try {
    const int limit = options_.group_limit;
    const bool diluted = limit > 0 && limit < static_cast<int>(Alive().size());
    // Under a sensitivity below the cluster the whole cluster's group test runs first: a node that fails in company
    // fails it, so its pass leaves the node round nothing to explain (a node fault the group probe cannot see does
    // not explain a group test's failure) and spares that round too. Failing, the node round follows as always.
    const bool whole_first = diluted && options_.group_stage && options_.node_stage;
    const bool whole_passed_first = whole_first && WholeGroupPassesFirst();
    if (options_.node_stage && !whole_passed_first) NodeStage();
    // The matching runs before the cover although every pair meets in the cover: a node failing with every
    // company is accused there first, where in the cover it would fail every group it is in and cloud the
    // evidence of all its block's nodes (measured: at 4,096 nodes with S = 32, a node and a link cost 521 rounds
    // without the matching, 266 with it).
    // Under a sensitivity below the cluster, the whole cluster's group test cannot show one slow pair, but it shows
    // a node that fails in company and any fault at scale. Run first, its pass makes the matching (which guards the
    // cover against a bad node clouding its groups) and the closing group test needless: two rounds fewer.
    const bool whole_passed =
        whole_passed_first || (diluted && options_.group_stage && !whole_first && !stopped_ && WholeGroupPassesFirst());
    if (options_.pair_stage && !stopped_ && !whole_passed) PairStage();
    if (options_.group_stage && !stopped_ && (options_.cover_links || diluted)) CoverStage(limit);
    if (options_.group_stage && !stopped_ && !whole_passed) GroupStage();
    if (options_.group_stage && !stopped_) ExplainResiduals();
    if (!stopped_) TopologyStage();
  } catch (const RoundLimitReached&) {
    Unresolved({}, "search", fmt::format("stopped after {} rounds, the limit", options_.max_rounds), {});
  }
  Summarize();
  return std::move(result_);
}

Planner::Ran Planner::RunRound(const std::string& stage, std::vector<Trial> trials) {
  if (trials.empty()) return {};
  if (static_cast<int>(result_.rounds.size()) >= options_.max_rounds) throw RoundLimitReached{};
  std::vector<TrialResult> results = executor_.RunRound(trials);
  if (results.size() != trials.size()) {
    throw std::logic_error(fmt::format("bisection executor returned {} results for {} trials", results.size(),
                                       trials.size()));
  }
  if (trials.front().kind == TrialKind::kNode) JudgeAgainstPeers(trials, results);
  int index = static_cast<int>(result_.rounds.size());
  result_.tests += static_cast<int>(trials.size());
  result_.rounds.push_back({index, stage, std::move(trials), results, ""});
  return {index, std::move(results)};
}

void Planner::Conclude(int round, std::string text) {
  if (round >= 0) result_.rounds[static_cast<std::size_t>(round)].conclusion = std::move(text);
}

std::string Planner::Names(const std::vector<int>& nodes, std::size_t limit) const {
  std::string text;
  for (std::size_t i = 0; i < nodes.size() && i < limit; ++i) {
    if (i > 0) text += ", ";
    text += names_[static_cast<std::size_t>(nodes[i])];
  }
  if (nodes.size() > limit) text += fmt::format(" and {} more", nodes.size() - limit);
  return text;
}

std::string Planner::Describe(const TrialResult& r) const {
  std::string text(ToString(r.outcome));
  if (r.value) text += fmt::format(" ({} = {:.4g} {})", r.metric, *r.value, r.unit);
  if (!r.reason.empty()) text += ": " + r.reason;
  return text;
}

std::vector<int> Planner::Alive() const {
  std::vector<int> alive;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (!state_[i].accused) alive.push_back(static_cast<int>(i));
  }
  return alive;
}

void Planner::Accuse(int node, const std::string& stage, const std::string& reason) {
  NodeState& s = At(node);
  s.accused = true;
  s.cleared = false;
  result_.findings.push_back({FindingKind::kNode, {node}, stage, reason, s.evidence});
}

void Planner::Unresolved(std::vector<int> members, const std::string& stage, const std::string& reason,
                std::vector<int> rounds) {
  result_.findings.push_back({FindingKind::kUnresolved, std::move(members), stage, reason, std::move(rounds)});
}

void Planner::Settle(std::vector<int> pending, const std::string& stage, const TrialMaker& make,
                     const std::function<bool(int)>& explained, bool controlled) {
  for (int node : pending) At(node).cleared = false;  // under suspicion again, whatever it passed before
  while (!pending.empty()) {
    std::vector<Trial> trials = make(pending);
    if (trials.empty()) {
      for (int node : pending) {
        Unresolved({node}, stage, "no cleared node left to test it with", At(node).evidence);
      }
      return;
    }
    bool first = std::all_of(trials.begin(), trials.end(), [&](const Trial& t) { return At(t.members[0]).tested == 0; });
    Ran ran = RunRound(first ? "confirm" : "retest", trials);
    std::vector<char> void_result(trials.size(), 0);
    if (controlled) void_result = Controls(trials, ran);
    SettleCount count = CountSettled(trials, ran, void_result, stage, controlled);
    std::vector<int> next = StillPending(pending, stage, explained);
    Conclude(ran.round, fmt::format("{} accused, {} cleared, {} still pending{}", count.accused, count.cleared,
                                    next.size(),
                                    count.voided > 0
                                        ? fmt::format(" ({} failure(s) void: the company failed alone)", count.voided)
                                        : std::string()));
    pending = std::move(next);
  }
}

Planner::SettleCount Planner::CountSettled(const std::vector<Trial>& trials, const Ran& ran,
                                           const std::vector<char>& void_result, const std::string& stage,
                                           bool controlled) {
  const int budget = options_.retests + 1;
  SettleCount count;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    int node = trials[i].members[0];
    NodeState& s = At(node);
    const TrialResult& r = ran.results[i];
    ++s.tested;
    if (trials[i].members.size() > 1) s.last_partner = trials[i].members[1];
    if (r.outcome == TrialOutcome::kSkipped) {
      Unresolved({node}, stage, "the probe was skipped on retest: " + r.reason, s.evidence);
      s.tested = budget + 1;  // leaves the pending list
      continue;
    }
    if (void_result[i]) {
      ++count.voided;
      continue;
    }
    if (IsBad(r.outcome)) {
      const std::size_t earlier = s.failed_company.size();  // the company of its failures before this one
      if (controlled || trials[i].members.size() == 2) {  // a pair's partner: never again (a link to it fails again)
        s.failed_company.insert(s.failed_company.end(), trials[i].members.begin() + 1, trials[i].members.end());
      }
      ++s.bad;
      s.evidence.push_back(ran.round);
      if (s.bad == 2 && QueueCompanyCheck(node, stage, trials[i], controlled, earlier)) {
        s.tested = budget + 1;  // leaves the pending list: CheckCompanies judges it
      } else if (s.bad >= 2) {
        Accuse(node, stage, fmt::format("failed {} of {} tests in different company; last: {}", s.bad,
                                        s.tested + 1, Describe(r)));
        ++count.accused;
      }
    } else if (s.bad == 0) {
      s.cleared = true;
      ++count.cleared;
    }
  }
  return count;
}

std::vector<int> Planner::StillPending(const std::vector<int>& pending, const std::string& stage,
                                       const std::function<bool(int)>& explained) {
  const int budget = options_.retests + 1;
  std::vector<int> next;
  for (int node : pending) {
    NodeState& s = At(node);
    if (s.accused || s.cleared) continue;
    if (s.tested > budget) continue;
    if (s.bad == 1 && explained && explained(node)) {
      s.bad = 0;
      s.cleared = true;
      continue;
    }
    if (s.tested == budget && s.bad < 2) {
      Unresolved({node}, stage,
                 s.bad == 0 ? std::string("its company failed without it too, every time: no test spoke about it")
                            : std::string("failed once; its other tests in other company passed (or were void: "
                                          "their company failed alone): intermittent, not accused"),
                 s.evidence);
      continue;
    }
    next.push_back(node);
  }
  return next;
}

std::vector<char> Planner::Controls(const std::vector<Trial>& trials, const Ran& ran) {
  std::vector<char> void_result(trials.size(), 0);
  std::vector<Trial> controls;
  std::vector<std::size_t> of;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (!IsBad(ran.results[i].outcome) || trials[i].members.size() < 2) continue;
    std::vector<int> company(trials[i].members.begin() + 1, trials[i].members.end());
    controls.push_back({TrialKind::kGroup, std::move(company), 0});
    controls.back().under_test = static_cast<int>(controls.back().members.size());
    of.push_back(i);
  }
  if (controls.empty()) return void_result;
  Ran control = RunRound("control", controls);
  int failed = 0;
  for (std::size_t k = 0; k < controls.size(); ++k) {
    if (!IsBad(control.results[k].outcome)) continue;
    void_result[of[k]] = 1;
    for (int node : controls[k].members) At(node).tainted = true;
    ++failed;
  }
  Conclude(control.round, fmt::format("{} of {} companies fail without their suspect{}", failed, controls.size(),
                                      failed > 0 ? ": those failures say nothing of the suspect" : ""));
  return void_result;
}

std::vector<Trial> Planner::WithClearedPartners(const std::vector<int>& pending, bool same_leaf_first) {
  std::vector<int> cleared;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (state_[i].cleared && !state_[i].accused) cleared.push_back(static_cast<int>(i));
  }
  std::vector<Trial> trials;
  if (cleared.empty()) return trials;
  std::vector<char> used(state_.size(), 0);
  for (int node : pending) used[static_cast<std::size_t>(node)] = 1;
  auto usable = [&](int node, int partner) {
    if (used[static_cast<std::size_t>(partner)]) return false;
    if (partner == At(node).last_partner && cleared.size() > 1) return false;
    const std::vector<int>& failed_with = At(node).failed_company;  // a link to it would fail it again
    return std::find(failed_with.begin(), failed_with.end(), partner) == failed_with.end();
  };
  const std::vector<int>& leaf_of = options_.leaf_of;
  for (int node : pending) {
    int partner = -1;
    // Under a tree, a partner under the same leaf first (when asked): their test crosses no uplink.
    const int leaf = same_leaf_first && !leaf_of.empty() ? leaf_of[static_cast<std::size_t>(node)] : -1;
    for (std::size_t k = 0; leaf >= 0 && partner < 0 && k < cleared.size(); ++k) {
      const int c = cleared[(partner_cursor_ + k) % cleared.size()];
      if (leaf_of[static_cast<std::size_t>(c)] == leaf && usable(node, c)) partner = c;
    }
    for (std::size_t tries = 0; partner < 0 && tries < cleared.size(); ++tries) {
      const int c = cleared[partner_cursor_++ % cleared.size()];
      if (usable(node, c)) partner = c;
    }
    if (partner < 0) continue;
    used[static_cast<std::size_t>(partner)] = 1;
    trials.push_back({TrialKind::kPair, {node, partner}, 1});
  }
  return trials;
}

void Planner::MergeRepeatedAccusations() {
  // A node accused twice (two checks of the group stage, or the node and topology stages) is one finding with both
  // reasons and their rounds: no report counts one node twice. Merged only here, at the end: the stages count
  // their own findings as they go.
  std::vector<Finding> merged;
  std::unordered_map<int, std::size_t> node_finding;
  for (Finding& f : result_.findings) {
    if (f.kind != FindingKind::kNode || f.members.size() != 1) {
      merged.push_back(std::move(f));
      continue;
    }
    auto [it, first] = node_finding.try_emplace(f.members[0], merged.size());
    if (first) {
      merged.push_back(std::move(f));
      continue;
    }
    Finding& kept = merged[it->second];
    if (kept.reason.find(f.reason) == std::string::npos) kept.reason += "; also " + f.reason;
    for (int round : f.rounds) {
      if (std::find(kept.rounds.begin(), kept.rounds.end(), round) == kept.rounds.end()) kept.rounds.push_back(round);
    }
  }
  result_.findings = std::move(merged);
}

void Planner::Summarize() {
  MergeRepeatedAccusations();
  int nodes = 0, links = 0, unresolved = 0, switches = 0;
  for (const Finding& f : result_.findings) {
    nodes += f.kind == FindingKind::kNode ? 1 : 0;
    links += f.kind == FindingKind::kLink ? 1 : 0;
    unresolved += f.kind == FindingKind::kUnresolved ? 1 : 0;
    switches += f.kind == FindingKind::kSwitch || f.kind == FindingKind::kUplink ? 1 : 0;
  }
  result_.resolved = unresolved == 0 && (!result_.group_failed || final_group_passed_);
  result_.conclusion = fmt::format("{} node(s) and {} link(s) accused{}, {} unresolved, in {} round(s) and {} test(s)",
                                   nodes, links,
                                   switches > 0 ? fmt::format(", {} switch(es) or uplink(s)", switches) : std::string(),
                                   unresolved, result_.rounds.size(), result_.tests);
}

BisectResult Bisect(const std::vector<std::string>& names, TrialExecutor& executor, const BisectOptions& options) {
  if (names.empty()) throw std::invalid_argument("bisection needs at least one node");
  return Planner(names, executor, options).Run();
}

}  // namespace kiln
