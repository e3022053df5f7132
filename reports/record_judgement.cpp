#include "reports/record_judgement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/coverage.hpp"
#include "core/evaluator.hpp"
#include "core/telemetry_cause.hpp"
#include "reports/node_identity.hpp"

namespace kiln {

std::vector<Verdict> StepVerdicts(const std::vector<StepRecord>& steps) {
  std::vector<Verdict> verdicts;
  for (const StepRecord& step : steps) {
    std::map<std::string, Verdict> by_subject;
    for (const StepResult& r : step.results) {
      if (r.status == StepStatus::kMeasured) continue;
      Verdict v;
      v.probe = step.probe;
      v.subject = r.subject;
      v.outcome = r.status == StepStatus::kSkipped ? Outcome::kSkipped : Outcome::kError;
      v.reason = r.status == StepStatus::kSkipped ? fmt::format("skipped: {}", r.reason)
                                       : fmt::format("{} on node {} (rank {}): {}", ToString(r.status), r.node, r.rank, r.reason);
      if (r.status == StepStatus::kTimeout) v.reason = r.reason;
      auto [it, inserted] = by_subject.emplace(r.subject.Key(), v);
      if (!inserted && v.outcome > it->second.outcome) it->second = v;
    }
    for (auto& [key, v] : by_subject) verdicts.push_back(std::move(v));
  }
  return verdicts;
}

namespace {

// Each node's GPUs (as the health probe found them) against the ranks the job gave it.
std::vector<NodeRankCount> RankCounts(const std::vector<NodeRecord>& nodes, const std::vector<NodeFacts>& facts) {
  std::vector<NodeRankCount> counts;
  for (std::size_t i = 0; i < nodes.size() && i < facts.size(); ++i) {
    counts.push_back({nodes[i].name, facts[i].GpuCount(), static_cast<int>(nodes[i].ranks.size())});
  }
  return counts;
}

std::vector<std::string> GpuPerRankProbes(const ProbeCatalog& catalog) {
  std::vector<std::string> names;
  for (const ProbeInfo& probe : catalog) {
    if (probe.gpu_per_rank) names.push_back(probe.probe);
  }
  return names;
}

}  // namespace

std::vector<Verdict> JudgeRecord(RunRecord& record, const BaselineChoice& choice,
                                 const ProbeCatalog& catalog) {
  std::vector<Verdict> verdicts = StepVerdicts(record.steps);

  std::vector<MetricSpec> metrics;
  for (const ProbeInfo& probe : catalog) metrics.insert(metrics.end(), probe.metrics.begin(), probe.metrics.end());
  // Which way is better is the probe's to say, not the report's: a stored "higher_is_better": false must not
  // turn a floor into a ceiling.
  for (Measurement& m : record.measurements) {
    auto spec = std::find_if(metrics.begin(), metrics.end(), [&](const MetricSpec& s) { return s.name == m.metric; });
    if (spec != metrics.end()) m.higher_is_better = spec->higher_is_better;
  }
  for (Verdict& v : EvaluateCorrectness(metrics, record.measurements)) verdicts.push_back(std::move(v));
  for (Verdict& v : NodeIdentityVerdicts(record.nodes)) verdicts.push_back(std::move(v));

  JudgeInput input;
  for (const NodeRecord& node : record.nodes) {
    input.nodes.push_back(FactsOfNode(node.name, node.inventory, record.measurements));
  }
  BaselineSelection selection = SelectBaseline(choice, input.nodes);
  for (Verdict& v : selection.problems) verdicts.push_back(std::move(v));
  record.baseline_selection = selection.record;
  record.not_checked = nlohmann::json::array();
  if (selection.baseline) {
    record.baseline_sku = selection.baseline->sku;
    record.baseline_path = selection.baseline->path;
    record.baseline_sha256 = selection.baseline->sha256;
    record.baseline_description = selection.baseline->description;
  } else {
    record.baseline_sku = "none";
    record.baseline_path = record.baseline_sha256 = "";
    record.baseline_description = "no baseline could be chosen: see the verdicts of probe 'baseline'";
  }

  input.baseline = selection.baseline;
  input.shape = selection.shape;
  input.catalog = catalog;
  input.measurements = &record.measurements;
  for (const StepRecord& step : record.steps) {
    for (const StepResult& r : step.results) {
      input.steps.push_back({step.probe, r.subject, r.status, r.reason, step.optional, step.parameters});
    }
  }
  Judgement judgement = JudgeRun(input);
  AttachCauses(judgement.verdicts, record.measurements, catalog);
  for (Verdict& v : judgement.verdicts) verdicts.push_back(std::move(v));
  MarkGpusNotCovered(verdicts, RankCounts(record.nodes, input.nodes), GpuPerRankProbes(catalog));
  for (const UncheckedExpectation& u : judgement.unchecked) {
    record.not_checked.push_back({{"where", u.where}, {"series", u.series}, {"rule", u.rule}, {"reason", u.reason}});
  }
  return verdicts;
}

}  // namespace kiln
