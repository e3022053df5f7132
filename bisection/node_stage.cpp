// Stage 1 of the bisection: the node probe on every node at once; a node failing alone is settled alone.

#include <fmt/format.h>

#include "bisection/planner_impl.hpp"

namespace kiln {

void Planner::NodeStage() {
  std::vector<Trial> trials;
  for (int node : Alive()) trials.push_back({TrialKind::kNode, {node}, 1});
  Ran ran = RunRound("node", trials);
  std::vector<int> failed;
  int skipped = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    int node = trials[i].members[0];
    if (IsBad(ran.results[i].outcome)) {
      failed.push_back(node);
      At(node).bad = 1;
      At(node).evidence.push_back(ran.round);
    }
    skipped += ran.results[i].outcome == TrialOutcome::kSkipped ? 1 : 0;
  }
  // Every node failing alone is one cause they share (the binary, the launcher, the baseline), not N bad
  // nodes: nobody is accused and the search stops, since no trial can be trusted.
  if (trials.size() >= 3 && failed.size() == trials.size()) {
    std::string why = fmt::format("every one of the {} nodes fails the node probe alone (first: {}): a cause they "
                                  "share (the kiln binary, the launcher, the baseline), not the nodes; nobody is "
                                  "accused and the search stops", trials.size(), Describe(ran.results[0]));
    Conclude(ran.round, why);
    Unresolved({}, "node", why, {ran.round});
    for (int node : failed) At(node).bad = 0;
    stopped_ = true;
    return;
  }
  Conclude(ran.round, failed.empty()
                          ? (skipped == static_cast<int>(trials.size())
                                 ? std::string("the node probe was skipped on every node")
                                 : fmt::format("all {} nodes pass alone", trials.size() - skipped))
                          : fmt::format("{} node(s) fail alone: {}", failed.size(), Names(failed)));
  Settle(failed, "node", [](const std::vector<int>& pending) {
    std::vector<Trial> again;
    for (int node : pending) again.push_back({TrialKind::kNode, {node}, 1});
    return again;
  });
}

}  // namespace kiln
