#pragma once
// The verdicts of a run's record, whether the run just ended or its report is judged again (kiln evaluate):
// each step that did not measure, Kiln's correctness checks, the baseline (chosen now when auto, from the nodes'
// inventories) failing closed, and causes on failing GEMM-burn verdicts. Fills the record's baseline fields.

#include <vector>

#include "core/baseline_selection.hpp"
#include "core/judgement.hpp"
#include "reports/run_record.hpp"

namespace kiln {

std::vector<Verdict> JudgeRecord(RunRecord& record, const BaselineChoice& choice,
                                 const ProbeCatalog& catalog);

// One verdict per subject of each step that did not measure: skipped, error or timeout (the worst of its ranks).
std::vector<Verdict> StepVerdicts(const std::vector<StepRecord>& steps);

}  // namespace kiln
