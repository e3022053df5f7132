// The bisection with the fabric's tree: nodes ordered leaf by leaf (pairs and halves within a leaf first), and
// last, direct checks of the leaves whose nodes are mostly implicated. A slow leaf switch slows every flow of its
// nodes; a slow uplink only the flows leaving the leaf. Neither is claimed from "the leaf alone fails" (one slow
// node, hung node or link inside the leaf fails that too), but from pair tests, all at once per round:
//   1. inside: the leaf's nodes in pairs with each other (a matching of the leaf);
//   2. outside: each of its nodes with a partner of another leaf that nothing implicates.
// Switch: every pair inside fails and every node tested outside fails (at least half the leaf). Uplink: the nodes whose pair inside passed all
// fail outside. Else the leaf is fine and its findings stand. Under an uplink, a node whose pair inside failed is
// tested once more inside with a node that passed there: failing again, it is at fault (an uplink does not slow
// flows inside its leaf), so the uplink does not swallow it. Last, every finding whose failures a switch, an
// uplink or another accused node explain is tested again at its own size in good company, away from the
// implicated leaves; passing, it is withdrawn (it was affected, not at fault: topology_recheck.cpp). Before the
// uplinks are named, a leaf whose clean-looking nodes served as partners is a suspect too (topology_alike.cpp).

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "bisection/planner_impl.hpp"

namespace kiln {
namespace {

// The leaf's verdict from its pair tests (`inside`, `outside`: per node kUntested, 0 pass, 1 fail).
LeafVerdict Judge(const std::vector<int>& nodes, const std::vector<int>& inside, const std::vector<int>& outside) {
  int in_tested = 0, in_failed = 0, out_tested = 0, out_failed = 0, clean = 0, clean_slow = 0;
  for (int n : nodes) {
    const int in = inside[static_cast<std::size_t>(n)], out = outside[static_cast<std::size_t>(n)];
    in_tested += in != kUntested ? 1 : 0;
    in_failed += in == 1 ? 1 : 0;
    out_tested += out != kUntested ? 1 : 0;
    out_failed += out == 1 ? 1 : 0;
    if (in == 0 && out != kUntested) {
      ++clean;
      clean_slow += out == 1 ? 1 : 0;
    }
  }
  // Every flow touching the leaf is slow: inside and outside, every node.
  // (Partners may be too few for every node: at least half of the leaf, and both nodes of a leaf of two.)
  const int enough = std::max<int>(std::min<int>(static_cast<int>(nodes.size()), 2), static_cast<int>(nodes.size() + 1) / 2);
  if (in_tested > 0 && in_failed == in_tested && out_tested >= enough && out_failed == out_tested) {
    return kSlowSwitch;
  }
  // The nodes that are fine inside the leaf all fail leaving it.
  if (clean > 0 && clean_slow == clean) return kSlowUplink;
  return kFine;
}

// A partner under a slow switch fails every pair: no evidence about the other leaf's uplink.
void ForgetSwitchedPartners(const std::vector<Trial>& outside, const std::vector<char>& verdict,
                            const std::vector<int>& leaf_of, std::vector<int>& out) {
  auto switched = [&](int n) {
    const int leaf = leaf_of[static_cast<std::size_t>(n)];
    return leaf >= 0 && verdict[static_cast<std::size_t>(leaf)] == kSlowSwitch;
  };
  for (const Trial& t : outside) {
    if (!std::any_of(t.members.begin(), t.members.end(), switched)) continue;
    for (int n : t.members) {
      if (!switched(n)) out[static_cast<std::size_t>(n)] = kUntested;
    }
  }
}

}  // namespace

void Planner::SortByLeaf(std::vector<int>& nodes) const {
  if (options_.leaf_of.empty()) return;
  std::stable_sort(nodes.begin(), nodes.end(), [this](int a, int b) {
    return options_.leaf_of[static_cast<std::size_t>(a)] < options_.leaf_of[static_cast<std::size_t>(b)];
  });
}

int Planner::LeafPairRound(const std::vector<Trial>& trials, std::vector<int>& verdict) {
  Ran ran = RunRound("leaf", trials);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const int bad = IsBad(ran.results[i].outcome) ? 1 : 0;
    for (int k = 0; k < trials[i].under_test; ++k) verdict[static_cast<std::size_t>(trials[i].members[static_cast<std::size_t>(k)])] = bad;
  }
  return ran.round;
}

void Planner::TopologyStage() {
  const std::vector<int>& leaf_of = options_.leaf_of;
  if (leaf_of.empty()) return;
  const int leaves = *std::max_element(leaf_of.begin(), leaf_of.end()) + 1;
  if (leaves <= 0) return;
  std::vector<std::vector<int>> under(static_cast<std::size_t>(leaves));
  for (std::size_t node = 0; node < leaf_of.size(); ++node) {
    if (leaf_of[node] >= 0) under[static_cast<std::size_t>(leaf_of[node])].push_back(static_cast<int>(node));
  }
  std::vector<char> implicated(state_.size(), 0);
  for (const Finding& f : result_.findings) {
    if (f.kind == FindingKind::kUnresolved && f.members.size() != 1) continue;
    for (int node : f.members) implicated[static_cast<std::size_t>(node)] = 1;
  }
  // The leaves worth checking: at least half of their nodes implicated.
  std::vector<char> checked(static_cast<std::size_t>(leaves), 0);
  std::vector<int> candidates;
  std::vector<Trial> inside;
  for (int leaf = 0; leaf < leaves; ++leaf) {
    const std::vector<int>& nodes = under[static_cast<std::size_t>(leaf)];
    auto count = std::count_if(nodes.begin(), nodes.end(), [&](int n) { return implicated[static_cast<std::size_t>(n)] != 0; });
    if (nodes.size() < 2 || 2 * static_cast<std::size_t>(count) < nodes.size()) continue;
    checked[static_cast<std::size_t>(leaf)] = 1;
    candidates.insert(candidates.end(), nodes.begin(), nodes.end());
    for (std::size_t i = 0; i + 1 < nodes.size(); i += 2) inside.push_back({TrialKind::kPair, {nodes[i], nodes[i + 1]}, 2});
    if (nodes.size() % 2 == 1) {  // the odd node joins the leaf's last pair
      inside.back().members.push_back(nodes.back());
      inside.back() = {TrialKind::kGroup, inside.back().members, 3};
    }
  }
  if (candidates.empty()) return;
  std::vector<int> in(state_.size(), kUntested), out(state_.size(), kUntested);
  std::vector<int> rounds{LeafPairRound(inside, in)};
  const std::vector<Trial> outside = OutsideTrials(candidates, implicated, checked);
  rounds.push_back(LeafPairRound(outside, out));
  std::vector<char> verdict(static_cast<std::size_t>(leaves), kFine);
  for (int leaf = 0; leaf < leaves; ++leaf) {
    if (checked[static_cast<std::size_t>(leaf)] == 0) continue;
    if (Judge(under[static_cast<std::size_t>(leaf)], in, out) == kSlowSwitch) verdict[static_cast<std::size_t>(leaf)] = kSlowSwitch;
  }
  ForgetSwitchedPartners(outside, verdict, leaf_of, out);
  std::vector<int> uplinks;
  std::vector<char> switch_leaf(static_cast<std::size_t>(leaves), 0);
  for (int leaf = 0; leaf < leaves; ++leaf) {
    switch_leaf[static_cast<std::size_t>(leaf)] = verdict[static_cast<std::size_t>(leaf)] == kSlowSwitch ? 1 : 0;
    if (checked[static_cast<std::size_t>(leaf)] == 0 || switch_leaf[static_cast<std::size_t>(leaf)] != 0) continue;
    if (Judge(under[static_cast<std::size_t>(leaf)], in, out) == kSlowUplink) uplinks.push_back(leaf);
  }
  bool separated = false;  // a pass told the leaves apart: not alike
  uplinks = SeparateUplinks(uplinks, under, in, switch_leaf, rounds, separated);
  for (int leaf : uplinks) {
    verdict[static_cast<std::size_t>(leaf)] = kSlowUplink;
    if (checked[static_cast<std::size_t>(leaf)] == 0) TakeLeafInDoubt(under[static_cast<std::size_t>(leaf)], implicated, in);
  }
  // Uplinks alike are left unresolved in one finding, not named; a slow switch beside them still is.
  // Inside them, as inside named uplinks: a node at fault stays accused, a link is narrowed.
  const std::vector<int> alike_leaves = separated ? std::vector<int>{} : UplinksAlike(uplinks, under, in, switch_leaf, rounds);
  const bool alike = !alike_leaves.empty();
  if (alike) uplinks = alike_leaves;
  std::vector<char> at_fault = FaultsInsideUplinks(uplinks, under, in);
  if (alike) WithdrawCleanInside(uplinks, under, in, at_fault);
  int named = 0;
  for (int leaf = 0; leaf < leaves; ++leaf) {
    const char v = verdict[static_cast<std::size_t>(leaf)];
    if (v == kFine || (alike && v == kSlowUplink)) continue;
    NameLeaf(leaf, v == kSlowSwitch, under[static_cast<std::size_t>(leaf)], implicated, at_fault, rounds);
    ++named;
  }
  InsideUplinks(uplinks, under, at_fault, in);
  if (!alike) {
    Conclude(rounds[1], fmt::format("{} leaf(s) checked in pairs inside and with partners outside: {} switch(es) or "
                                    "uplink(s) slow", std::count(checked.begin(), checked.end(), 1), named));
  }
  if (named == 0) return;
  WithdrawResidualsExplainedByTopology(verdict);
  RecheckExplained(verdict);
}

void Planner::TakeLeafInDoubt(const std::vector<int>& nodes, std::vector<char>& implicated, std::vector<int>& in) const {
  // A leaf in doubt, then slow: its nodes failed across. Not tested inside in pairs: those accused are suspects there
  // (tested with a leaf-mate next, as a node whose pair inside failed), the others passed with each other.
  for (int n : nodes) {
    implicated[static_cast<std::size_t>(n)] = 1;
    in[static_cast<std::size_t>(n)] = state_[static_cast<std::size_t>(n)].accused ? 1 : 0;
  }
}

std::vector<char> Planner::FaultsInsideUplinks(const std::vector<int>& uplinks,
                                               const std::vector<std::vector<int>>& under, std::vector<int>& in) {
  // Each node whose pair inside failed, with a node of its leaf whose pair passed: an uplink leaves flows inside
  // its leaf alone, so failing again there is the node's own fault.
  std::vector<char> at_fault(state_.size(), 0);
  std::vector<Trial> trials;
  for (int leaf : uplinks) {
    std::vector<int> suspects, clean;
    for (int n : under[static_cast<std::size_t>(leaf)]) (in[static_cast<std::size_t>(n)] == 1 ? suspects : clean).push_back(n);
    for (std::size_t i = 0; i < suspects.size() && i < clean.size(); ++i) {
      trials.push_back({TrialKind::kPair, {suspects[i], clean[i]}, 1});
    }
  }
  if (trials.empty()) return at_fault;
  std::vector<int> again(state_.size(), kUntested);
  const int round = LeafPairRound(trials, again);
  for (const Trial& t : trials) {
    const int node = t.members[0];
    if (again[static_cast<std::size_t>(node)] != 1) continue;
    at_fault[static_cast<std::size_t>(node)] = 1;
    At(node).evidence.push_back(round);
  }
  return at_fault;
}

void Planner::NameLeaf(int leaf, bool is_switch, const std::vector<int>& nodes, const std::vector<char>& implicated,
                       const std::vector<char>& at_fault, const std::vector<int>& rounds) {
  auto inside = [&](int node) { return options_.leaf_of[static_cast<std::size_t>(node)] == leaf; };
  auto faulty = [&](int node) { return at_fault[static_cast<std::size_t>(node)] != 0; };
  // What the switch explains: its nodes and every link touching them. What the uplink explains: its nodes but
  // those at fault inside the leaf, links leaving the leaf; links inside it stand.
  std::size_t accused = 0;
  const std::vector<int> evidence = TakeExplained(rounds, [&](const Finding& f) {
    bool explained = false;
    if (SingleNode(f)) {  // not a node that failed alone (the node stage): a switch slows flows, not a node alone
      explained = inside(f.members[0]) && f.stage != "node";
    } else if (f.kind == FindingKind::kLink) {
      bool a = inside(f.members[0]), b = inside(f.members[1]);
      explained = is_switch ? (a || b) : (a != b);
    } else if (f.kind == FindingKind::kUnresolved) {
      explained = std::all_of(f.members.begin(), f.members.end(), inside);
    }
    accused += explained && f.kind == FindingKind::kNode ? 1 : 0;
    return explained;
  });
  const auto count = std::count_if(nodes.begin(), nodes.end(), [&](int n) { return implicated[static_cast<std::size_t>(n)] != 0; });
  std::vector<int> own;
  for (int node : nodes) {
    At(node).accused = false;  // affected, not at fault
    if (!is_switch && faulty(node)) own.push_back(node);
  }
  result_.findings.push_back(
      {is_switch ? FindingKind::kSwitch : FindingKind::kUplink, nodes, "topology",
       fmt::format("{} of the {} nodes under this leaf fail in tests with other nodes ({} accused as nodes before); "
                   "in pairs {}",
                   count, nodes.size(), accused,
                   is_switch ? std::string("with each other and with nodes of other leaves, every one fails: the "
                                           "switch is slow")
                             : fmt::format("with each other they pass, with nodes of other leaves they fail: only "
                                           "traffic leaving the leaf is slow, its uplink{}",
                                           own.empty() ? "" : fmt::format(" ({} fail inside too)", Names(own)))),
       evidence, leaf});
  for (int node : own) {
    At(node).evidence.insert(At(node).evidence.begin(), rounds.front());
    Accuse(node, "topology", fmt::format("fails in pairs inside its leaf {} with two partners, where the leaf's slow "
                                         "uplink does not reach",
                                         Names({node})));
  }
}

bool Planner::TopologyExplains(const std::vector<int>& m, const std::vector<char>& verdict) const {
  const std::vector<int>& leaf_of = options_.leaf_of;
  auto leaf = [&](int n) { return leaf_of[static_cast<std::size_t>(n)]; };
  auto named = [&](int n, char kind) { return leaf(n) >= 0 && verdict[static_cast<std::size_t>(leaf(n))] == kind; };
  const bool by_switch = m.size() >= 2 && std::any_of(m.begin(), m.end(), [&](int n) { return named(n, kSlowSwitch); });
  return by_switch || std::any_of(m.begin(), m.end(), [&](int n) {
           return named(n, kSlowUplink) && std::any_of(m.begin(), m.end(), [&](int o) { return leaf(o) != leaf(n); });
         });
}

bool Planner::ExplainedByTopology(int node, const Finding& f, const std::vector<char>& verdict,
                                  LinkDoubt* doubt) const {
  int failures = 0, explained = 0;
  std::size_t smallest = 0;  // of the failures not explained
  std::optional<std::vector<int>> common;  // the members every unexplained failure shares (but the node)
  for (int r : f.rounds) {
    const RoundRecord& record = result_.rounds[static_cast<std::size_t>(r)];
    for (std::size_t t = 0; t < record.trials.size(); ++t) {
      const std::vector<int>& m = record.trials[t].members;
      if (!IsBad(record.results[t].outcome) || std::find(m.begin(), m.end(), node) == m.end()) continue;
      ++failures;
      if (TopologyExplains(m, verdict) || FailureExplained(record.trials[t], node)) {  // or an accused node, a named link
        ++explained;
        continue;
      }
      // Failures that all share other nodes may be a link to one of them (tested once the node is withdrawn:
      // RecheckPairsOfWithdrawn, SearchFailuresOfWithdrawn); none shared, they stand against the node.
      std::vector<int> others;
      for (int n : m) {
        if (n != node && !IsLinkEnd(n) && (!common || std::find(common->begin(), common->end(), n) != common->end())) {
          others.push_back(n);
        }
      }
      if (others.empty()) return false;
      common = std::move(others);
      smallest = smallest == 0 ? m.size() : std::min(smallest, m.size());
    }
  }
  if (doubt != nullptr) *doubt = {common.value_or(std::vector<int>{}), smallest};
  // Left unresolved without a test of its own ("no cleared node left"): nothing speaks against it but the
  // company it failed in, which a named switch or uplink explains.
  return (failures > 0 && (!common || explained > 0)) || (f.kind == FindingKind::kUnresolved && f.rounds.empty());
}

void Planner::WithdrawResidualsExplainedByTopology(const std::vector<char>& verdict) {
  // A group the residual checks left open (it failed without the named nodes and links) whose failing test a named
  // switch or uplink accounts for is explained: cross-leaf traffic of a slow uplink's leaf, a slow switch's node.
  const std::size_t before = result_.findings.size();
  std::erase_if(result_.findings, [&](const Finding& f) {
    return f.kind == FindingKind::kUnresolved && f.stage == "residual" && TopologyExplains(f.members, verdict);
  });
  if (result_.findings.size() == before || result_.rounds.empty()) return;
  RoundRecord& last = result_.rounds.back();
  last.conclusion += fmt::format("{}{} group(s) left open by the residual checks are explained by the named leaf",
                                 last.conclusion.empty() ? "" : "; ", before - result_.findings.size());
}

}  // namespace kiln
