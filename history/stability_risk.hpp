#pragma once
// "Nodes at risk" in the stability report: the early-warning predictor's alerts over the period's history (Kiln's
// own sweep results: a GPU's or link's bandwidth falling against its past and the fleet's), per node with the
// evidence. The alerts come in alerts.jsonl's format (docs/predict.md); `kiln report --stability` runs the
// predictor (apps/), this file only groups and renders what it said.

#include <nlohmann/json.hpp>

#include <string>

namespace kiln {

// [{"node", "first", "last", "alerts", "devices": [{"device", "risk", "rule", "first", "last", "alerts", "reason",
// "evidence"}]}], nodes by name, each device's latest reason. Times are ISO 8601 UTC.
nlohmann::json NodesAtRisk(const nlohmann::json& alerts);
// The report's "at_risk" section as text lines, and as an HTML table (names escaped).
std::string RenderAtRiskText(const nlohmann::json& at_risk);
std::string RenderAtRiskHtml(const nlohmann::json& at_risk);

}  // namespace kiln
