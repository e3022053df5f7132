// A fault that needs more nodes than the split's halves: the interaction's narrowing ends at a pair (x, y) that
// fails only together in the large group, while the pair itself passes. When a node fails only in groups of more
// than half the cluster (a slow node whose fault shows at scale), no padded half can show it, and every pass of the
// group stage used to leave that same pair unresolved. The group of every node left is then run less x, and less y
// (same size, so size cannot be the reason), twice: when it passes without x and still fails without y both times,
// the failure needs x and no pair: x is accused as a node, on failures in different company (the group, the group
// less y, twice) and two passes without it.
// When it fails without either, the narrowing ended on a pair that is not the fault (its tests were halves padded
// below the size the fault needs: min_group just above half the nodes): the node is searched by removal instead,
// leaving out part of the candidates with the rest of the group kept, so the test stays large (RemovalSearch), and
// the node found is judged as above against another. Anything else stays unresolved, as before.
// Last (RecheckAtScale), a node the group stage left "failed once" whose retests were all smaller than the test it
// failed (the padding ran short: 13 nodes where it failed in 16, min_group 14) is tested again at the size it
// failed at, in two companies that pass alone: failing both times, it is a node that fails only in large groups.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

std::vector<int> Less(std::vector<int> group, const std::vector<int>& out) {
  std::erase_if(group, [&](int node) { return std::find(out.begin(), out.end(), node) != out.end(); });
  return group;
}

}  // namespace

int Planner::ExcludeEach(const std::vector<int>& group, int x, int y, std::vector<int>& evidence, bool& both_fail) {
  // Each exclusion twice, and the same answer both times: a node failing at random in the group (flapping) would
  // otherwise make one exclusion fail and the other pass by chance, and a healthy end would be accused.
  int passes_without[2] = {0, 0};
  const int ends[2] = {x, y};
  both_fail = false;
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (int e = 0; e < 2; ++e) {
      std::vector<int> rest = Less(group, {ends[e]});
      Ran ran = RunRound("exclude", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
      evidence.push_back(ran.round);
      const bool pass = ran.results[0].outcome == TrialOutcome::kPass;
      passes_without[e] += pass ? 1 : 0;
      Conclude(ran.round, fmt::format("the {} nodes left, less {}: {}", group.size(),
                                      names_[static_cast<std::size_t>(ends[e])],
                                      pass ? "pass" : Describe(ran.results[0])));
    }
    if (repeat == 0 && passes_without[0] == passes_without[1]) {  // both needed, or neither
      both_fail = passes_without[0] == 0;
      return -1;
    }
  }
  if (passes_without[0] == 2 && passes_without[1] == 0) return x;
  if (passes_without[1] == 2 && passes_without[0] == 0) return y;
  return -1;  // the answers did not repeat: not one node's fault
}

int Planner::RemovalSearch(const std::vector<int>& group, std::vector<int>& evidence) {
  // The group less a part D of the candidates: failing, the node is not in D; passing, it is in D when the group less
  // D is no smaller than a test that failed. Else the size alone may have made it pass: the group less as many other
  // candidates says which (failing, the size is enough); both passing, D is halved. The group less one node failed
  // already (the exclusion), so one removal is always safe.
  auto passes_without = [&](const std::vector<int>& out, std::size_t of) {
    const std::vector<int> rest = Less(group, out);
    Ran ran = RunRound("exclude", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
    evidence.push_back(ran.round);
    const bool pass = ran.results[0].outcome == TrialOutcome::kPass;
    Conclude(ran.round, fmt::format("the {} nodes left, less {} of the {} candidates: {}", group.size(), out.size(), of,
                                    pass ? "pass" : Describe(ran.results[0])));
    return pass;
  };
  std::vector<int> candidates = group;
  std::size_t safe = 1;  // the largest removal known to leave a failing size
  std::size_t take = candidates.size() / 2;
  while (candidates.size() > 1) {
    take = std::max<std::size_t>(1, std::min(take, candidates.size() / 2));
    const auto cut = candidates.begin() + static_cast<std::ptrdiff_t>(take);
    const std::vector<int> out(candidates.begin(), cut);
    if (!passes_without(out, candidates.size())) {
      candidates = Less(candidates, out);
      safe = std::max(safe, take);
      take *= 2;
      continue;
    }
    if (take > safe) {  // the size, or the node? As many others out: failing, the size is enough.
      const std::vector<int> others(cut, cut + static_cast<std::ptrdiff_t>(take));
      if (passes_without(others, candidates.size())) {
        take /= 2;
        continue;
      }
      safe = take;
    }
    candidates = out;
  }
  return candidates.front();
}

bool Planner::JudgeByExclusion(int x, int y, std::vector<int>& evidence) {
  const std::vector<int> group = GroupMembers();
  auto has = [&](int node) { return std::find(group.begin(), group.end(), node) != group.end(); };
  if (group.size() < 3 || !has(x) || !has(y)) return false;
  bool both_fail = false;
  int culprit = ExcludeEach(group, x, y, evidence, both_fail);
  int other = culprit == x ? y : x;
  if (culprit < 0 && both_fail) {
    // Neither end is needed: the pair was not the fault. The node that is, by removal, judged against x.
    const int found = RemovalSearch(group, evidence);
    other = found == x ? y : x;
    if (found >= 0) culprit = ExcludeEach(group, found, other, evidence, both_fail) == found ? found : -1;
  }
  if (culprit < 0) return false;
  NodeState& s = At(culprit);
  s.evidence.insert(s.evidence.end(), evidence.begin(), evidence.end());
  Accuse(culprit, "group",
         fmt::format("the {} nodes left fail as a group, and without {} still; without {} they pass, while its pair "
                     "with {} and groups of half the nodes pass: a fault that shows only in large groups",
                     group.size(), names_[static_cast<std::size_t>(other)], names_[static_cast<std::size_t>(culprit)],
                     names_[static_cast<std::size_t>(other)]));
  return true;
}

std::size_t Planner::FailingSizeOnly(const Finding& f) const {
  // The smallest test the node failed in, when every test it passed (after its first failure) was smaller; else 0.
  const int node = f.members[0];
  std::size_t failing = 0, passing = 0;
  for (int r : f.rounds) {
    const RoundRecord& round = result_.rounds[static_cast<std::size_t>(r)];
    for (std::size_t t = 0; t < round.trials.size(); ++t) {
      const std::vector<int>& m = round.trials[t].members;
      if (std::find(m.begin(), m.end(), node) == m.end()) continue;
      if (IsBad(round.results[t].outcome)) failing = failing == 0 ? m.size() : std::min(failing, m.size());
      else passing = std::max(passing, m.size());
    }
  }
  return failing > 2 && passing < failing ? failing : 0;
}

void Planner::RecheckAtScale() {
  std::vector<int> good;  // company: nothing implicates them
  for (int node : GroupMembers()) {
    const NodeState& s = At(node);
    if (s.bad == 0 && !s.tainted && !IsLinkEnd(node)) good.push_back(node);
  }
  std::vector<std::pair<int, std::size_t>> suspects;
  for (const Finding& f : result_.findings) {
    if (f.kind != FindingKind::kUnresolved || f.members.size() != 1 || f.stage != "group") continue;
    if (const std::size_t size = FailingSizeOnly(f); size > 0) suspects.emplace_back(f.members[0], size);
  }
  bool accused = false;
  for (auto [node, size] : suspects) {
    std::vector<int> company;
    for (int n : good) {
      if (n != node && company.size() < 2 * (size - 1)) company.push_back(n);
    }
    if (company.size() < 2 * (size - 1)) continue;
    const auto half = company.begin() + static_cast<std::ptrdiff_t>(size - 1);
    const std::vector<int> first(company.begin(), half), second(half, company.end());
    int fails = 0, controls = 0;
    std::vector<int> rounds;
    for (const auto* with : {&first, &second}) {  // the node with one company, the other company alone beside it
      const std::vector<int>& other = with == &first ? second : first;
      Trial test{TrialKind::kGroup, {node}, 1};
      test.members.insert(test.members.end(), with->begin(), with->end());
      Ran ran = RunRound("scale", {test, {TrialKind::kGroup, other, static_cast<int>(other.size())}});
      rounds.push_back(ran.round);
      fails += IsBad(ran.results[0].outcome) ? 1 : 0;
      controls += ran.results[1].outcome == TrialOutcome::kPass ? 1 : 0;
      Conclude(ran.round, fmt::format("{} again at the size it failed at ({} nodes), beside its other company alone: "
                                      "{}, {}", Names({node}), size, Describe(ran.results[0]), Describe(ran.results[1])));
    }
    if (fails < 2 || controls < 2) continue;
    NodeState& s = At(node);
    s.evidence.insert(s.evidence.end(), rounds.begin(), rounds.end());
    Accuse(node, "group", fmt::format("fails in groups of {} nodes with two companies that pass without it, and passed "
                                      "only in smaller ones: a fault that shows only in large groups", size));
    accused = true;
  }
  if (!accused) return;
  const std::vector<int> rest = GroupMembers();
  if (rest.size() < 2) return;
  Ran last = RunRound("final", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
  if (IsBad(last.results[0].outcome)) return;
  Conclude(last.round, fmt::format("without the accused, the {} remaining nodes pass as one group", rest.size()));
  final_group_passed_ = true;
  std::erase_if(result_.findings, [](const Finding& f) {
    return f.kind == FindingKind::kUnresolved && f.stage == "group" && f.members.empty() &&
           f.reason.rfind("the nodes left after the accused", 0) == 0;
  });
}

}  // namespace kiln
