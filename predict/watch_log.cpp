#include "predict/watch_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "reports/prometheus_textfile.hpp"

namespace kiln::predict {
namespace {

std::string SeriesName(const Reading& reading) {
  std::string name = reading.metric;
  for (const auto& [label, value] : reading.labels) name += '\x1f' + label + '=' + value;
  return name;
}

}  // namespace

std::string WatchLog::Line(std::int64_t t, const Reading& reading, double value) const {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [label, text] : reading.labels) labels[label] = text;
  // Counters are whole numbers: written as such ("12", not "12.0"), as exporters write them.
  bool whole = value == std::floor(value) && std::fabs(value) < 9e15;
  nlohmann::json number = whole ? nlohmann::json(static_cast<std::int64_t>(value)) : nlohmann::json(value);
  nlohmann::json line = {{"t", t}, {"node", node_}, {"metric", reading.metric}, {"labels", labels}, {"value", number}};
  // A hostname or device name that is not UTF-8 is written with U+FFFD rather than ending the collector.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

std::string WatchLog::ReplayLines(std::int64_t t, const std::vector<Reading>& readings) {
  std::string lines;
  for (const Reading& reading : readings) {
    auto [it, added] = written_.try_emplace(SeriesName(reading));
    if (reading.event) {
      if (added || it->second.value == reading.value) lines += Line(t, reading, 0);
    } else if (!added && it->second.value == reading.value && t - it->second.t < keepalive_seconds_) {
      continue;
    }
    it->second = {reading.value, t};
    lines += Line(t, reading, reading.value);
  }
  return lines;
}

std::string RenderTextfile(std::int64_t t, const std::vector<Reading>& readings) {
  // Only an event repeats a series in one reading (several XIDs at once): the textfile shows its last.
  auto superseded = [&](std::size_t i) {
    for (std::size_t j = i + 1; readings[i].event && j < readings.size(); ++j) {
      if (readings[j].metric == readings[i].metric && readings[j].labels == readings[i].labels) return true;
    }
    return false;
  };
  std::vector<const Reading*> sorted;
  for (std::size_t i = 0; i < readings.size(); ++i) {
    if (!superseded(i)) sorted.push_back(&readings[i]);
  }
  // A metric's samples must stand together under its one TYPE line.
  std::stable_sort(sorted.begin(), sorted.end(), [](const Reading* a, const Reading* b) { return a->metric < b->metric; });
  std::string text;
  const std::string* metric = nullptr;
  for (const Reading* reading : sorted) {
    if (!metric || *metric != reading->metric) {
      metric = &reading->metric;
      text += fmt::format("# HELP {0} kiln watch: {0}\n# TYPE {0} {1}\n", *metric, reading->counter ? "counter" : "gauge");
    }
    std::string labels;
    for (const auto& [label, value] : reading->labels) {
      labels += fmt::format("{}{}=\"{}\"", labels.empty() ? "" : ",", label, EscapePrometheusLabelValue(value));
    }
    text += fmt::format("{}{}{}{} {}\n", *metric, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}",
                        reading->value);
  }
  text += fmt::format(
      "# HELP kiln_watch_last_reading_timestamp_seconds when kiln watch last read its counters\n"
      "# TYPE kiln_watch_last_reading_timestamp_seconds gauge\nkiln_watch_last_reading_timestamp_seconds {}\n",
      t);
  return text;
}

}  // namespace kiln::predict
