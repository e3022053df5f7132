#include "reports/baseline_derivation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "core/measurement.hpp"
#include "core/statistics.hpp"

namespace kiln {
namespace {

// Counters, link widths and the burn's telemetry describe a node; they are not performance to hold a floor to.
bool Derivable(const MetricSpec& spec) {
  if (spec.correctness || spec.unit == "count" || spec.unit == "lanes") return false;
  for (const char* telemetry : {"gpu.stress.power", "gpu.stress.temperature", "gpu.stress.sm_clock", "gpu.stress.throttle"}) {
    if (spec.name.starts_with(telemetry)) return false;
  }
  return true;
}

struct Series {
  std::string metric;
  std::map<std::string, std::string> labels;
  std::string unit;
  bool higher_is_better = true;
  std::vector<double> values;  // one per subject and report
  std::set<std::string> subjects;
};

std::string LabelsText(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : labels) parts.push_back(name + "=" + value);
  return fmt::format("{}", fmt::join(parts, ","));
}

bool LabelsWritable(const std::map<std::string, std::string>& labels) {
  return std::all_of(labels.begin(), labels.end(), [](const auto& label) {
    return label.first.find_first_of(",=") == std::string::npos && label.second.find_first_of(",=") == std::string::npos;
  });
}

// `value` to 6 significant digits, rounded away from the healthy side: a floor down, a ceiling up, so that the
// number written never excludes an input it was derived to admit.
double RoundOutward(double value, bool floor) {
  if (value == 0 || !std::isfinite(value)) return value;
  double scale = std::pow(10.0, 5 - std::floor(std::log10(std::fabs(value))));
  return (floor ? std::floor(value * scale) : std::ceil(value * scale)) / scale;
}

}  // namespace

std::string DeriveBaseline(const std::vector<DerivationInput>& inputs, const std::vector<MetricSpec>& metrics,
                           const DerivationOptions& options) {
  if (inputs.empty()) throw InputError("kiln baseline derive needs at least one report");
  std::map<std::string, const MetricSpec*> specs;
  for (const MetricSpec& spec : metrics) specs[spec.name] = &spec;

  std::map<std::string, Series> series;
  std::set<std::string> nodes, gpu_models, dates, hashes, drivers;
  for (const DerivationInput& input : inputs) {
    std::string outcome = input.report.at("summary").value("outcome", "?");
    if (outcome != "pass" && !options.allow_failed) {
      throw InputError(input.path, 0,
                       fmt::format("this report did not pass (outcome '{}'): a baseline is derived from healthy "
                                   "nodes only (--allow-failed to use it anyway)", outcome));
    }
    dates.insert(input.report.at("run").value("finished", "?"));
    hashes.insert(input.sha256.substr(0, 12));
    for (const nlohmann::json& node : input.report.at("cluster").value("nodes", nlohmann::json::array())) {
      const nlohmann::json inventory = node.value("inventory", nlohmann::json());
      const nlohmann::json gpus = inventory.is_object() ? inventory.value("gpus", nlohmann::json::object())
                                                        : nlohmann::json::object();
      for (const nlohmann::json& device : gpus.value("devices", nlohmann::json::array())) {
        gpu_models.insert(device.value("name", "?"));
      }
      if (!gpus.value("driver_version", std::string()).empty()) drivers.insert(gpus.value("driver_version", ""));
    }
    for (const Measurement& m : input.report.at("measurements").get<std::vector<Measurement>>()) {
      for (const std::string& node : m.subject.nodes) nodes.insert(node);
      auto spec = specs.find(m.metric);
      if (spec == specs.end() || !Derivable(*spec->second) || !LabelsWritable(m.labels)) continue;
      Series& s = series[m.SeriesKey()];
      s.metric = m.metric;
      s.labels = m.labels;
      s.unit = m.unit;
      s.higher_is_better = m.higher_is_better;
      s.values.push_back(m.value());
      s.subjects.insert(m.subject.Key());
    }
  }
  if (static_cast<int>(nodes.size()) < options.min_nodes) {
    throw InputError(fmt::format("kiln baseline derive: the reports cover {} node(s) ({}); a median and a spread need "
                                 "at least {} (--min-nodes to lower it)", nodes.size(), fmt::join(nodes, ", "),
                                 options.min_nodes));
  }
  if (series.empty()) throw InputError("kiln baseline derive: the reports hold no performance measurement to derive from");

  std::string provenance = fmt::format("{} report(s) {} of {} node(s), {}; GPUs: {}; driver {}", inputs.size(),
                                       fmt::join(hashes, ","), nodes.size(), fmt::join(dates, ", "),
                                       gpu_models.empty() ? "none" : fmt::format("{}", fmt::join(gpu_models, ", ")),
                                       drivers.empty() ? "-" : fmt::format("{}", fmt::join(drivers, ", ")));
  pugi::xml_document doc;
  doc.append_child(pugi::node_declaration).append_attribute("version") = "1.0";
  doc.append_child(pugi::node_comment).set_value(
      fmt::format(" Derived by kiln baseline derive from {} ", provenance).c_str());
  pugi::xml_node root = doc.append_child("baseline");
  root.append_attribute("sku") = options.sku.c_str();
  root.append_attribute("version") = "2";
  root.append_child("description").text() =
      fmt::format("Derived from healthy nodes: median as reference, floor {:g} robust deviations and at least {:g}% "
                  "away; {}", options.k, 100 * options.min_drop, provenance).c_str();
  if (gpu_models.empty()) {
    root.append_child("gpu").append_attribute("model") = "none";
  } else {
    for (const std::string& model : gpu_models) root.append_child("gpu").append_attribute("model") = model.c_str();
  }
  for (const auto& [key, s] : series) {
    double median = Median(s.values);
    double deviation = RobustDeviation(std::span<const double>(s.values.data(), s.values.size()));
    double margin = std::max(options.k * deviation, options.min_drop * std::fabs(median));
    auto [low, high] = std::minmax_element(s.values.begin(), s.values.end());
    double bound = s.higher_is_better ? std::min(median - margin, *low) : std::max(median + margin, *high);
    bool widened = s.higher_is_better ? median - margin > *low : median + margin < *high;
    // A few noisy inputs give a deviation as large as the median, and a floor at 0 passes a node at half the
    // speed of every healthy one. The bound never sits further than 2 x min_drop beyond the worst healthy input.
    double limit = s.higher_is_better ? *low * (1 - 2 * options.min_drop) : *high * (1 + 2 * options.min_drop);
    bool capped = s.higher_is_better ? bound < limit : bound > limit;
    if (capped) bound = limit;
    if (s.higher_is_better && bound < 0) bound = 0;
    bound = RoundOutward(bound, s.higher_is_better);
    pugi::xml_node e = root.append_child("expect");
    e.append_attribute("metric") = s.metric.c_str();
    if (!s.labels.empty()) e.append_attribute("labels") = LabelsText(s.labels).c_str();
    e.append_attribute("rule") = s.higher_is_better ? "min" : "max";
    e.append_attribute("value") = fmt::format("{:.6g}", bound).c_str();
    e.append_attribute("basis") = "derived";
    e.append_attribute("measured_on") = fmt::format("sustained; {}", provenance).c_str();
    e.append_attribute("source") =
        fmt::format("kiln baseline derive: median {:.6g} {} over {} value(s) of {} subject(s), robust deviation {:.3g}; "
                    "{} = median {} max({:g} x deviation, {:g}% of median){}", median, s.unit, s.values.size(),
                    s.subjects.size(), deviation, s.higher_is_better ? "floor" : "ceiling",
                    s.higher_is_better ? "-" : "+", options.k, 100 * options.min_drop,
                    capped ? fmt::format(", held to {:g}% beyond the worst healthy input (the spread of so few inputs "
                                         "would put it further)", 200 * options.min_drop)
                    : widened ? std::string(", widened to the worst healthy input") : std::string()).c_str();
  }
  std::ostringstream text;
  doc.save(text, "  ");
  return text.str();
}

}  // namespace kiln
