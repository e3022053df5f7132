#pragma once
// Judges a run against a baseline, failing closed: every expectation that applies to a subject must be met by
// a measurement, and one that was not measured fails, saying why (the probe was skipped, the metric never
// reported, the sweep never reached the size), unless the rule or the suite step is optional. A rule that does
// not fit the subject (another node shape, too few GPUs or nodes) is "not applicable", with why. A declared node
// shape is checked once per node. Correctness counters are Kiln's own check, judged once.

#include <map>
#include <string>
#include <vector>

#include "core/baseline.hpp"
#include "core/measurement.hpp"
#include "core/node_checks.hpp"
#include "core/node_facts.hpp"
#include "core/parameters.hpp"
#include "core/probe.hpp"
#include "core/step_status.hpp"
#include "core/verdict.hpp"

namespace kiln {

// A probe and the metrics it reports: the catalogue that tells which step a rule depends on.
struct ProbeMetrics {
  std::string probe;
  Scope scope = Scope::kNode;
  std::vector<MetricSpec> metrics;
  std::vector<ParamSpec> parameters;  // which of them choose a label's values (ParamSpec::label)
  bool gpu_per_rank = false;          // a pair or group GPU probe: one GPU per rank (core/coverage's GPU gap)
};

// What one step said about one subject.
struct JudgedStep {
  std::string probe;
  Subject subject;
  StepStatus status = StepStatus::kMeasured;
  std::string reason;
  bool optional = false;  // the suite marks the step optional: what it does not measure is not a failure
  // The step's parameters as recorded (every value, defaults included); empty when unknown (a step inferred
  // from measurements alone), which asks for everything.
  std::map<std::string, std::string> parameters{};
};

struct JudgeInput {
  const Baseline* baseline = nullptr;  // nullptr: no baseline (only correctness is judged)
  const NodeShape* shape = nullptr;    // the declared shape; nullptr: none
  std::vector<NodeFacts> nodes;        // every node of the run
  std::vector<JudgedStep> steps;
  std::vector<ProbeMetrics> catalog;
  const std::vector<Measurement>* measurements = nullptr;
};

// An expectation the run could not check at all, and why: "the suite has no step of probe nccl".
struct UncheckedExpectation {
  std::string where;  // baseline file:line
  std::string series;  // metric pattern with its labels
  std::string rule;
  std::string reason;
};

struct Judgement {
  std::vector<Verdict> verdicts;
  std::vector<UncheckedExpectation> unchecked;
};

Judgement JudgeRun(const JudgeInput& input);

// Why `e` does not apply to `subject`, or "" when it does. GPUs come from the declared shape when there is one
// (what the node should be), else from what was found.
std::string WhyNotApplicable(const Expectation& e, const Subject& subject, const NodeShape* shape,
                             const std::vector<NodeFacts>& nodes);

}  // namespace kiln
