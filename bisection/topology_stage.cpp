// The bisection with the fabric's tree: nodes ordered leaf by leaf (pairs and halves within a leaf first), and
// last, the leaves whose nodes are mostly implicated tested alone, all at once. A slow leaf switch slows every
// flow of its nodes (the leaf alone fails); a slow uplink only the flows leaving the leaf (the leaf alone passes).
// Either way the nodes under it were affected, not at fault: their findings become one of kind switch or uplink.

#include <fmt/format.h>

#include <algorithm>

#include "bisection/planner_impl.hpp"

namespace kiln {

void Planner::SortByLeaf(std::vector<int>& nodes) const {
  if (options_.leaf_of.empty()) return;
  std::stable_sort(nodes.begin(), nodes.end(), [this](int a, int b) {
    return options_.leaf_of[static_cast<std::size_t>(a)] < options_.leaf_of[static_cast<std::size_t>(b)];
  });
}

void Planner::TopologyStage() {
  const std::vector<int>& leaf_of = options_.leaf_of;
  if (leaf_of.empty()) return;
  const int leaves = *std::max_element(leaf_of.begin(), leaf_of.end()) + 1;
  std::vector<std::vector<int>> under(static_cast<std::size_t>(std::max(leaves, 0)));
  for (std::size_t node = 0; node < leaf_of.size(); ++node) {
    if (leaf_of[node] >= 0) under[static_cast<std::size_t>(leaf_of[node])].push_back(static_cast<int>(node));
  }
  std::vector<char> implicated(state_.size(), 0);
  for (const Finding& f : result_.findings) {
    if (f.kind == FindingKind::kUnresolved && f.members.size() != 1) continue;
    for (int node : f.members) implicated[static_cast<std::size_t>(node)] = 1;
  }
  std::vector<Trial> trials;
  std::vector<int> which;
  for (int leaf = 0; leaf < leaves; ++leaf) {
    const std::vector<int>& nodes = under[static_cast<std::size_t>(leaf)];
    auto count = std::count_if(nodes.begin(), nodes.end(), [&](int n) { return implicated[static_cast<std::size_t>(n)] != 0; });
    if (nodes.size() < 2 || 2 * static_cast<std::size_t>(count) < nodes.size()) continue;
    trials.push_back({TrialKind::kGroup, nodes, static_cast<int>(nodes.size())});
    which.push_back(leaf);
  }
  if (trials.empty()) return;
  Ran ran = RunRound("leaf", trials);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const int leaf = which[i];
    const std::vector<int>& nodes = trials[i].members;
    const bool alone_fails = IsBad(ran.results[i].outcome);
    auto inside = [&](int node) { return options_.leaf_of[static_cast<std::size_t>(node)] == leaf; };
    // The findings the switch or its uplink explains: its nodes, and links with an end under it (for the uplink:
    // links leaving the leaf).
    std::vector<int> evidence;
    std::size_t accused = 0;
    std::erase_if(result_.findings, [&](const Finding& f) {
      bool explained = false;
      if (f.kind == FindingKind::kNode || (f.kind == FindingKind::kUnresolved && f.members.size() == 1)) {
        explained = inside(f.members[0]);
      } else if (f.kind == FindingKind::kLink) {
        bool a = inside(f.members[0]), b = inside(f.members[1]);
        explained = alone_fails ? (a || b) : (a != b);
      }
      if (explained) {
        evidence.insert(evidence.end(), f.rounds.begin(), f.rounds.end());
        accused += f.kind == FindingKind::kNode ? 1 : 0;
      }
      return explained;
    });
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    evidence.push_back(ran.round);
    Finding f{alone_fails ? FindingKind::kSwitch : FindingKind::kUplink, nodes, "topology",
              fmt::format("{} of the {} nodes under this leaf fail in tests with other nodes ({} accused as nodes "
                          "before), and the leaf's nodes alone {}",
                          std::count_if(nodes.begin(), nodes.end(), [&](int n) { return implicated[static_cast<std::size_t>(n)] != 0; }),
                          nodes.size(), accused,
                          alone_fails ? fmt::format("fail too ({}): the switch is slow", Describe(ran.results[i]))
                                      : std::string("pass: only traffic leaving the leaf is slow, its uplink")),
              evidence, leaf};
    result_.findings.push_back(std::move(f));
    for (int node : nodes) At(node).accused = false;  // affected, not at fault
  }
  Conclude(ran.round, fmt::format("{} leaf test(s): {} of them fail alone (a slow switch), the others pass (a slow "
                                  "uplink)",
                                  trials.size(), std::count_if(ran.results.begin(), ran.results.end(),
                                                               [](const TrialResult& r) { return IsBad(r.outcome); })));
}

}  // namespace kiln
