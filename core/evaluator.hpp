#pragma once
// Applies a baseline to measurements: one verdict per (rule, subject, series).

#include <vector>

#include "core/baseline.hpp"
#include "core/measurement.hpp"
#include "core/verdict.hpp"

namespace kiln {

std::vector<Verdict> Evaluate(const Baseline& baseline, const std::vector<Measurement>& measurements);

}  // namespace kiln

namespace kiln {

// Correctness counters (MetricSpec::correctness) are judged by Kiln itself: a wrong result fails even when
// no baseline rule mentions it.
std::vector<Verdict> EvaluateCorrectness(const std::vector<MetricSpec>& metrics,
                                         const std::vector<Measurement>& measurements);

}  // namespace kiln
