#pragma once
// Applies a baseline to measurements: one verdict per (rule, subject, series).

#include <vector>

#include "core/baseline.hpp"
#include "core/measurement.hpp"
#include "core/verdict.hpp"

namespace kiln {

// Every rule on every matching measurement, with no regard to node shape or what is missing: the rule
// arithmetic that JudgeRun (core/judgement.hpp) builds on.
std::vector<Verdict> Evaluate(const Baseline& baseline, const std::vector<Measurement>& measurements);

// The metric matches the pattern and carries every label of the expectation.
bool Matches(const Expectation& e, const Measurement& m);
// One absolute rule (not fleet) on one measurement.
Verdict JudgeAbsolute(const Expectation& e, const Measurement& m);
// A fleet rule over one series measured on subjects of one kind; a fleet under e.min_fleet is not applicable.
void JudgeFleet(const Expectation& e, const std::vector<const Measurement*>& series, std::vector<Verdict>& out);

}  // namespace kiln

namespace kiln {

// Correctness counters (MetricSpec::correctness) are judged by Kiln itself, once per counter and subject
// over all its series: a wrong result fails even when no baseline rule mentions it.
std::vector<Verdict> EvaluateCorrectness(const std::vector<MetricSpec>& metrics,
                                         const std::vector<Measurement>& measurements);

}  // namespace kiln
