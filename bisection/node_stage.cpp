// Stage 1 of the bisection: the node probe on every node at once; a node failing alone is settled alone.

#include <fmt/format.h>

#include "bisection/planner_impl.hpp"
#include "core/statistics.hpp"

namespace kiln {

void Planner::JudgeAgainstPeers(const std::vector<Trial>& trials, std::vector<TrialResult>& results) {
  if (!peer_reference_) {
    std::vector<double> values;
    for (const TrialResult& r : results) {
      if (r.value && !r.metric.empty() && r.outcome == TrialOutcome::kPass) values.push_back(*r.value);
    }
    if (values.size() < 3) return;
    peer_reference_ = Median(values);
    for (const TrialResult& r : results) {
      if (r.value && !r.metric.empty()) peer_metric_ = r.metric;
    }
  }
  for (std::size_t i = 0; i < trials.size(); ++i) {
    TrialResult& r = results[i];
    if (r.outcome != TrialOutcome::kPass || !r.value || r.metric != peer_metric_) continue;
    if (*r.value >= options_.peer_share * *peer_reference_) continue;
    r.outcome = TrialOutcome::kFail;
    r.reason = fmt::format("{} = {:.4g} {}, below {:.0f}% of its peers' median {:.4g}", r.metric, *r.value, r.unit,
                           100 * options_.peer_share, *peer_reference_);
  }
}

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
