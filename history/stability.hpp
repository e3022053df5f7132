#pragma once
// Reading the history: the series of each subject and metric with its drift (`kiln history`), and the
// stability report over a period (`kiln report --stability`, schema kiln.stability/1): availability per
// node, failures by category, mean time between failures, nodes replaced, drifting series, nodes at risk.

#include <nlohmann/json.hpp>

#include <string>

#include "core/drift.hpp"
#include "history/history_db.hpp"

namespace kiln {

inline constexpr const char* kStabilitySchema = "kiln.stability/1";

struct HistoryQuery {
  std::string since, until;   // ISO 8601 UTC; empty = open
  std::string subject_glob;   // "node07", "node*": empty = all
  std::string series_glob;    // "host.stream.*": empty = all
  DriftRule drift;
};

// {"series": [{subject, series, probe, unit, higher_is_better, points: [{finished, value}], drift: {...}}]}
nlohmann::json HistorySeries(const HistoryDb& db, const HistoryQuery& query);
std::string RenderHistoryText(const nlohmann::json& series, bool drift_only);

// `alerts`: the early-warning predictor's alerts over the same period (alerts.jsonl's lines, docs/predict.md),
// listed per node as "at_risk" (history/stability_risk.hpp).
nlohmann::json BuildStabilityReport(const HistoryDb& db, const HistoryQuery& query,
                                    const nlohmann::json& alerts = nlohmann::json::array());
std::string RenderStabilityText(const nlohmann::json& stability);
std::string RenderStabilityHtml(const nlohmann::json& stability);

}  // namespace kiln
