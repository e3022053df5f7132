#include "core/step_status.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace kiln {

std::string_view ToString(StepStatus status) {
  switch (status) {
    case StepStatus::kMeasured: return "measured";
    case StepStatus::kSkipped: return "skipped";
    case StepStatus::kError: return "error";
    case StepStatus::kTimeout: return "timeout";
  }
  return "error";
}

StepStatus StepStatusFromString(std::string_view text) {
  for (StepStatus s : {StepStatus::kMeasured, StepStatus::kSkipped, StepStatus::kError, StepStatus::kTimeout}) {
    if (ToString(s) == text) return s;
  }
  throw std::invalid_argument(fmt::format("unknown step status '{}' (measured, skipped, error, timeout)", text));
}

void to_json(nlohmann::json& j, StepStatus status) { j = std::string(ToString(status)); }
void from_json(const nlohmann::json& j, StepStatus& status) { status = StepStatusFromString(j.get<std::string>()); }

}  // namespace kiln
