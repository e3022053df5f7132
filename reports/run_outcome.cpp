#include "reports/run_outcome.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace kiln {
namespace {

constexpr RunOutcome kAll[] = {RunOutcome::kPass,  RunOutcome::kPartial,      RunOutcome::kFail,
                               RunOutcome::kError, RunOutcome::kInconclusive, RunOutcome::kSkipped};

}  // namespace

std::string_view ToString(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kPass: return "pass";
    case RunOutcome::kPartial: return "partial";
    case RunOutcome::kFail: return "fail";
    case RunOutcome::kError: return "error";
    case RunOutcome::kInconclusive: return "inconclusive";
    case RunOutcome::kSkipped: return "skipped";
  }
  return "error";
}

RunOutcome RunOutcomeFromString(std::string_view text) {
  for (RunOutcome outcome : kAll) {
    if (ToString(outcome) == text) return outcome;
  }
  throw std::invalid_argument(
      fmt::format("unknown run outcome '{}' (one of pass, partial, fail, error, inconclusive, skipped)", text));
}

void to_json(nlohmann::json& j, RunOutcome outcome) { j = ToString(outcome); }

void from_json(const nlohmann::json& j, RunOutcome& outcome) { outcome = RunOutcomeFromString(j.get<std::string>()); }

}  // namespace kiln
