#include "core/measurement.hpp"

#include <fmt/format.h>

namespace kiln {

std::string SeriesKey(const std::string& metric, const std::map<std::string, std::string>& labels) {
  std::string key = metric;
  if (!labels.empty()) {
    key += '{';
    bool first = true;
    for (const auto& [name, value] : labels) {
      key += fmt::format("{}{}={}", first ? "" : ",", name, value);
      first = false;
    }
    key += '}';
  }
  return key;
}

std::string Measurement::SeriesKey() const { return kiln::SeriesKey(metric, labels); }

Measurement MakeMeasurement(std::string probe, std::string metric, std::string unit, Subject subject,
                            std::vector<double> samples, bool higher_is_better, std::string method,
                            std::map<std::string, std::string> labels) {
  Measurement m;
  m.probe = std::move(probe);
  m.metric = std::move(metric);
  m.unit = std::move(unit);
  m.subject = std::move(subject);
  m.labels = std::move(labels);
  m.summary = Summarize(samples);
  m.samples = std::move(samples);
  m.higher_is_better = higher_is_better;
  m.method = std::move(method);
  return m;
}

void to_json(nlohmann::json& j, const Measurement& m) {
  j = nlohmann::json{
      {"probe", m.probe},
      {"metric", m.metric},
      {"unit", m.unit},
      {"subject", m.subject},
      {"labels", m.labels},
      {"samples", m.samples},
      {"summary",
       {{"count", m.summary.count}, {"median", m.summary.median}, {"min", m.summary.min},
        {"max", m.summary.max}, {"mean", m.summary.mean}, {"stddev", m.summary.stddev},
        {"cv", m.summary.cv}}},
      {"higher_is_better", m.higher_is_better},
      {"method", m.method},
  };
  if (!m.unreliable.empty()) j["unreliable"] = m.unreliable;
}

void from_json(const nlohmann::json& j, Measurement& m) {
  m.probe = j.at("probe").get<std::string>();
  m.metric = j.at("metric").get<std::string>();
  m.unit = j.at("unit").get<std::string>();
  m.subject = j.at("subject").get<Subject>();
  m.labels = j.value("labels", std::map<std::string, std::string>{});
  m.samples = j.at("samples").get<std::vector<double>>();
  m.summary = Summarize(m.samples);
  m.higher_is_better = j.at("higher_is_better").get<bool>();
  m.method = j.value("method", std::string());
  m.unreliable = j.value("unreliable", std::string());
}

}  // namespace kiln
