#pragma once
// What a verdict covered: of the baseline rules an acceptance needs on this run's nodes, how many were judged,
// and which were not, and why. Computed from the verdicts alone (each rule's verdicts carry its rule_id), so
// that a report's renderers and `kiln evaluate` reach the same count without trusting a stored summary.
//
// A rule counts once, whatever the number of its subjects: it is required when it applies to some subject (a
// rule that is not applicable anywhere, or optional, is not required); judged when it was judged (pass, warn,
// fail, error) on every subject it applies to; not judged when one of its subjects has a "skipped" verdict
// (its probe was not part of the run, the step did not ask for that series, an optional step did not measure
// it, no health step told what the node is).

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "core/verdict.hpp"

namespace kiln {

struct UnjudgedRule {
  std::string rule_id;  // baseline file:line
  std::string series;   // metric with labels
  std::string rule;
  std::string reason;   // why, from one of its skipped verdicts
  int subjects = 0;     // on how many subjects it was not judged
};

struct Coverage {
  int required = 0;
  int judged = 0;
  std::vector<UnjudgedRule> not_judged;
  std::vector<std::string> gpus_not_covered;  // "node vm has 8 GPUs, 1 rank: 7 GPUs not covered", once per node
  // Every required rule was judged on every subject it applies to, and there was at least one.
  bool Complete() const { return required > 0 && judged == required; }
  // "17 of 25 acceptance rules judged", then what GPUs were not covered
  std::string Describe() const;
};

Coverage CoverageOf(const std::vector<Verdict>& verdicts);

// The verdict that says a required rule was not judged on `subject`, and why.
Verdict NotJudgedVerdict(std::string probe, std::string metric, std::string series, const Subject& subject,
                         std::string rule, std::string source, std::string rule_id, std::string why);

// A node with more GPUs than ranks: a probe that uses one GPU per rank (NCCL) measured only some of its GPUs.
struct NodeRankCount {
  std::string node;
  int gpus = 0;
  int ranks = 0;
};

// Every pass, warn or fail verdict of a rule (rule_id) of one of `gpu_per_rank_probes` whose subject holds such a
// node becomes not judged: "node vm has 8 GPUs, 1 rank: 7 GPUs not covered" (a number from some of the GPUs says
// nothing of a rule over all of them). Errors and correctness checks (no rule_id) stay as they are.
void MarkGpusNotCovered(std::vector<Verdict>& verdicts, const std::vector<NodeRankCount>& nodes,
                        const std::vector<std::string>& gpu_per_rank_probes);

void to_json(nlohmann::json& j, const Coverage& coverage);

}  // namespace kiln
