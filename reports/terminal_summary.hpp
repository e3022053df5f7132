#pragma once
// The terminal rendering of a report: failing subjects first, one line each, then totals.

#include <nlohmann/json.hpp>

#include <string>

namespace kiln {

std::string RenderTerminalSummary(const nlohmann::json& report);

}  // namespace kiln
