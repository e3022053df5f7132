#pragma once
// What one step said about one subject: it measured, it was skipped (and why), it failed, it ran out of time.
// One enum and one JSON mapping for the harness, the report, the judgement and the bisection's trials.

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace kiln {

enum class StepStatus { kMeasured, kSkipped, kError, kTimeout };

std::string_view ToString(StepStatus status);  // "measured", "skipped", "error", "timeout"
StepStatus StepStatusFromString(std::string_view text);  // throws std::invalid_argument

void to_json(nlohmann::json& j, StepStatus status);
void from_json(const nlohmann::json& j, StepStatus& status);

}  // namespace kiln
