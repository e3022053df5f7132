#include "history/history_replay.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

using nlohmann::json;

// "gpu.stress.tflops{type=bf16}" -> "gpu.stress.tflops", {"type": "bf16"} (core/measurement's SeriesKey, read back).
std::pair<std::string, json> SplitSeries(const std::string& series) {
  std::size_t brace = series.find('{');
  json labels = json::object();
  if (brace == std::string::npos || series.back() != '}') return {series, labels};
  std::string inside = series.substr(brace + 1, series.size() - brace - 2);
  std::size_t start = 0;
  while (start < inside.size()) {
    std::size_t end = std::min(inside.find(',', start), inside.size());
    std::string pair = inside.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq != std::string::npos) labels[pair.substr(0, eq)] = pair.substr(eq + 1);
    start = end + 1;
  }
  return {series.substr(0, brace), labels};
}

// "n1" -> n1; "n1/gpu0" -> n1, device gpu0 (and gpu 0, dcgm-exporter's join key); "n1<->n2" -> n1, peer n2.
std::pair<std::string, json> SplitSubject(const std::string& subject) {
  json labels = json::object();
  std::size_t arrow = subject.find("<->");
  if (arrow != std::string::npos) {
    labels["peer"] = subject.substr(arrow + 3);
    return {subject.substr(0, arrow), labels};
  }
  std::size_t slash = subject.find('/');
  if (slash == std::string::npos) return {subject, labels};
  std::string device = subject.substr(slash + 1);
  labels["device"] = device;
  if (device.size() > 3 && device.starts_with("gpu") &&
      device.find_first_not_of("0123456789", 3) == std::string::npos) {
    labels["gpu"] = device.substr(3);
  }
  return {subject.substr(0, slash), labels};
}

}  // namespace

HistoryReplay HistoryReplayLines(const HistoryDb& db, const HistoryQuery& query) {
  HistoryReplay out;
  std::string last_series;
  for (const HistoryDb::Value& v : db.Values(query.since, query.until, query.subject_glob, query.series_glob)) {
    std::optional<double> t = UtcSeconds(v.finished);
    if (!t || !std::isfinite(v.value)) continue;
    auto [node, labels] = SplitSubject(v.subject);
    auto [metric, own] = SplitSeries(v.series);
    for (const auto& [key, value] : own.items()) {
      std::optional<std::uint64_t> bytes = key == "size" ? ParseBytes(value.get<std::string>()) : std::nullopt;
      if (bytes) labels["size_bytes"] = std::to_string(*bytes);
      else if (!labels.contains(key)) labels[key] = value;
    }
    json line = {{"t", static_cast<std::int64_t>(*t)},
                 {"node", node},
                 {"metric", PrometheusMetricName(metric, v.unit)},
                 {"labels", labels},
                 {"value", v.value * PrometheusBaseFactor(v.unit)}};
    out.lines += line.dump() + '\n';
    ++out.samples;
    if (v.subject + '\x1f' + v.series != last_series) ++out.series;
    last_series = v.subject + '\x1f' + v.series;
  }
  return out;
}

}  // namespace kiln
