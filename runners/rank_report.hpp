#pragma once
// What one rank sends rank 0 about one step: its result and its measurements, as JSON on the wire.

#include <nlohmann/json.hpp>

#include <vector>

#include "core/measurement.hpp"
#include "reports/run_record.hpp"

namespace kiln {

struct RankReport {
  StepResult result;
  std::vector<Measurement> measurements;
  nlohmann::json inventory;
};

void to_json(nlohmann::json& j, const RankReport& r);
void from_json(const nlohmann::json& j, RankReport& r);

// A rank's report that adds nothing to its group's: measured fine, with no numbers of its own.
bool IsQuietSuccess(const RankReport& r);

}  // namespace kiln
