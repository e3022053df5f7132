#pragma once
// The verdict of a whole run (a report's summary.outcome) and its one spelling, which reports, the history file and
// `kiln baseline derive` share.

#include <nlohmann/json.hpp>

#include <string_view>

namespace kiln {

// What a run's verdicts come to, with the process exit code each maps to (reports/report.hpp SummarizeOutcome):
//   kPass          "pass": ACCEPTED: nothing failed and every rule an acceptance needs was judged on every node (exit 0);
//   kPartial       "partial": nothing failed, but less was judged: a quick sweep, a burn-in iteration (exit 0, not
//                  accepted);
//   kFail, kError  "fail", "error": something failed or could not be judged (exit 1);
//   kInconclusive  "inconclusive": the only failures are rules broken by contended measurements (exit 1);
//   kSkipped       "skipped": nothing at all was judged (exit 1).
enum class RunOutcome { kPass, kPartial, kFail, kError, kInconclusive, kSkipped };

std::string_view ToString(RunOutcome outcome);
// Throws std::invalid_argument naming `text` and the outcomes there are.
RunOutcome RunOutcomeFromString(std::string_view text);

void to_json(nlohmann::json& j, RunOutcome outcome);
void from_json(const nlohmann::json& j, RunOutcome& outcome);  // a string; std::invalid_argument when unknown

}  // namespace kiln
