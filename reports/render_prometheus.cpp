// metrics.prom: Prometheus's text exposition format, clean under `promtool check metrics`: base units (bytes per
// second, seconds, hertz, bytes, flops, ratios), no "_count" gauges, an info metric and a run timestamp, GPUs
// labelled with dcgm-exporter's join keys (gpu, UUID, Hostname; the model as model_name, since promtool refuses
// dcgm's camelCase modelName) so the two can be joined.

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <map>
#include <set>

#include "core/measurement.hpp"
#include "core/units.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {
namespace {

using nlohmann::json;

struct BaseUnit {
  const char* suffix;
  double factor;  // value in the base unit = value x factor
};

// Kiln's units in Prometheus's base units.
BaseUnit ToBase(const std::string& unit) {
  static const std::map<std::string, BaseUnit> kUnits{
      {"GB/s", {"_bytes_per_second", 1e9}}, {"Gb/s", {"_bits_per_second", 1e9}},
      {"us", {"_seconds", 1e-6}},           {"ms", {"_seconds", 1e-3}},
      {"s", {"_seconds", 1}},               {"GiB", {"_bytes", 1073741824.0}},
      {"B", {"_bytes", 1}},                 {"TFLOPS", {"_flops", 1e12}},
      {"GFLOPS", {"_flops", 1e9}},
      {"C", {"_celsius", 1}},               {"W", {"_watts", 1}},
      {"MHz", {"_hertz", 1e6}},             {"%", {"_ratio", 0.01}},
      {"lanes", {"_lanes", 1}},             {"count", {"", 1}}};
  auto it = kUnits.find(unit);
  return it != kUnits.end() ? it->second : BaseUnit{"", 1};
}

// [a-zA-Z_:][a-zA-Z0-9_:]* in snake case; a gauge may not end in _count, _sum, _bucket or _total.
std::string MetricName(const std::string& metric, const std::string& unit) {
  std::string name = "kiln_";
  for (char c : metric) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  for (const char* reserved : {"_count", "_sum", "_bucket", "_total"}) {
    std::string r(reserved);
    if (name.size() > r.size() && name.compare(name.size() - r.size(), r.size(), r) == 0) {
      name.erase(name.size() - r.size());
      name += "_number";
    }
  }
  return name + ToBase(unit).suffix;
}

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// HELP text escapes only backslash and newline (the exposition format).
std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Label names come from report.json too: [a-zA-Z_][a-zA-Z0-9_]*, anything else becomes '_'. Names that begin
// with "__" are Prometheus's own (__name__ is the metric's name; promtool refuses them) and get the prefix
// "label": __name__ is exported as label__name__, never as __name__.
std::string LabelName(const std::string& key) {
  std::string name = key.empty() ? "_" : key;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  if (std::isdigit(static_cast<unsigned char>(name.front()))) name.insert(name.begin(), '_');
  if (name.starts_with("__")) name.insert(0, "label");
  return name;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// What dcgm-exporter calls each GPU of each node: index, UUID, model.
using GpuLabels = std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, std::string>>>;
GpuLabels GpuLabelsOf(const json& report) {
  GpuLabels labels;
  for (const json& node : report.at("cluster").value("nodes", json::array())) {
    const json gpus = node.value("inventory", json()).is_object() ? node["inventory"].value("gpus", json()) : json();
    if (!gpus.is_object()) continue;
    for (const json& d : gpus.value("devices", json::array())) {
      if (!d.contains("index") || !d["index"].is_number_integer()) continue;
      int index = d["index"].get<int>();
      std::vector<std::pair<std::string, std::string>> l{{"gpu", std::to_string(index)}};
      if (d.contains("uuid") && d["uuid"].is_string()) l.emplace_back("UUID", d["uuid"].get<std::string>());
      if (d.contains("name") && d["name"].is_string()) l.emplace_back("model_name", d["name"].get<std::string>());
      labels[{node.value("name", ""), fmt::format("gpu{}", index)}] = std::move(l);
    }
  }
  return labels;
}

// node, peer, device (and the GPU's dcgm labels), or a group's size; then the measurement's own labels, with a
// size in bytes as a number.
std::string Labels(const json& subject, const json& extra, const GpuLabels& gpus) {
  std::string text;
  std::set<std::string> used;
  auto add = [&](const std::string& key, const std::string& value) {
    if (!used.insert(key).second) return;
    text += fmt::format("{}{}=\"{}\"", text.empty() ? "" : ",", key, Escape(value));
  };
  const auto& nodes = subject.at("nodes");
  std::string kind = subject.at("kind");
  if (kind == "group") {
    add("group_size", std::to_string(nodes.size()));
  } else {
    if (!nodes.empty()) add("node", nodes[0].get<std::string>());
    if (kind == "pair" && nodes.size() > 1) add("peer", nodes[1].get<std::string>());
  }
  if (subject.contains("device")) {
    std::string device = subject["device"].get<std::string>();
    add("device", device);
    if (!nodes.empty()) {
      auto it = gpus.find({nodes[0].get<std::string>(), device});
      if (it != gpus.end()) {
        add("Hostname", nodes[0].get<std::string>());
        for (const auto& [key, value] : it->second) add(key, value);
      }
    }
  }
  for (const auto& [key, value] : extra.items()) {
    std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    std::optional<std::uint64_t> bytes = key == "size" ? ParseBytes(v) : std::nullopt;
    if (bytes) {
      add("size_bytes", std::to_string(*bytes));
    } else {
      add(LabelName(key), v);
    }
  }
  return text;
}

// A size sweep (nccl, mpi_allreduce) exports its largest size and the sizes a verdict judged, not every size:
// hundreds of series per GPU are a dashboard's noise and a TSDB's cost. Everything stays in report.json.
std::set<const json*> ExportedMeasurements(const json& report) {
  std::set<std::string> judged;
  for (const json& v : report.at("verdicts")) judged.insert(v.value("series", ""));
  std::map<std::string, std::pair<std::uint64_t, const json*>> largest;  // per metric, subject, other labels
  std::set<const json*> out;
  for (const json& m : report.at("measurements")) {
    const json labels = m.value("labels", json::object());
    if (!labels.contains("size") || !labels["size"].is_string()) {
      out.insert(&m);
      continue;
    }
    std::map<std::string, std::string> label_map;
    for (const auto& [k, v] : labels.items()) {
      if (v.is_string()) label_map[k] = v.get<std::string>();
    }
    if (judged.count(SeriesKey(m.value("metric", ""), label_map)) != 0) out.insert(&m);
    std::optional<std::uint64_t> size = ParseBytes(labels["size"].get<std::string>());
    label_map.erase("size");
    std::string key = SeriesKey(m.value("metric", ""), label_map) + m.at("subject").dump();
    auto& [best, which] = largest[key];
    if (which == nullptr || size.value_or(0) > best) {
      best = size.value_or(0);
      which = &m;
    }
  }
  for (const auto& [key, entry] : largest) out.insert(entry.second);
  return out;
}

std::string RunLabels(const json& report) {
  return fmt::format("cluster=\"{}\",suite=\"{}\"", Escape(report.at("cluster").value("name", "")),
                     Escape(report.at("suite").value("name", "")));
}

void Gauge(std::string& out, const std::string& name, const std::string& help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, EscapeHelp(help), name);
}

}  // namespace

std::string RenderPrometheus(const nlohmann::json& report) {
  const GpuLabels gpus = GpuLabelsOf(report);
  const std::set<const json*> exported = ExportedMeasurements(report);
  std::map<std::string, std::string> help;  // name -> text
  std::map<std::string, std::vector<std::string>> samples;
  for (const json& m : report.at("measurements")) {
    if (exported.count(&m) == 0) continue;
    const std::string unit = m.at("unit").get<std::string>();
    std::string name = MetricName(m.at("metric"), unit);
    help.emplace(name, fmt::format("{}: median of the samples, in base units (Kiln reports {})",
                                   m.at("metric").get<std::string>(), unit));
    samples[name].push_back(fmt::format("{}{{{}}} {}", name,
                                        Labels(m.at("subject"), m.value("labels", json::object()), gpus),
                                        Number(m.at("summary").at("median").get<double>() * ToBase(unit).factor)));
  }
  std::string out;
  for (const auto& [name, lines] : samples) {
    Gauge(out, name, help[name]);
    for (const std::string& line : lines) out += line + "\n";
  }

  // Thresholds, once per series and rule, in the metric's base unit.
  std::map<std::string, std::string> thresholds;
  std::map<std::string, std::string> units;
  for (const json& m : report.at("measurements")) units.emplace(m.value("metric", ""), m.value("unit", ""));
  for (const json& v : report.at("verdicts")) {
    if (!v.contains("threshold") || !v["threshold"].is_number() || v.value("series", "").empty()) continue;
    const std::string metric = v.value("metric", "");
    double factor = ToBase(units.count(metric) ? units[metric] : "").factor;
    std::string line = fmt::format("kiln_expectation_threshold{{series=\"{}\",rule=\"{}\"}} {}\n",
                                   Escape(v.value("series", "")), Escape(v.value("rule", "")),
                                   Number(v["threshold"].get<double>() * factor));
    thresholds.emplace(v.value("series", "") + "|" + v.value("rule", ""), line);
  }
  if (!thresholds.empty()) {
    Gauge(out, "kiln_expectation_threshold",
          "the bound a baseline rule held the series to, in the metric's base unit (rule names the comparison)");
    for (const auto& [key, line] : thresholds) out += line;
  }

  // Judged subjects: ok is 1 for pass or warn, 0 for fail or error; a skipped or not applicable subject has no
  // ok sample (it was not judged), only its outcome.
  Gauge(out, "kiln_subject_ok", "1 when every verdict on the probe x subject passed or warned, 0 when one failed");
  std::string outcomes;
  for (const VerdictGroup& g : GroupVerdicts(report)) {
    std::string labels = fmt::format("probe=\"{}\",{}", Escape(g.probe), Labels(json(g.subject), json::object(), gpus));
    outcomes += fmt::format("kiln_subject_outcome{{{},outcome=\"{}\"}} 1\n", labels, ToString(g.worst));
    if (g.worst == Outcome::kSkipped || g.worst == Outcome::kNotApplicable) continue;
    out += fmt::format("kiln_subject_ok{{{}}} {}\n", labels, IsFailure(g.worst) ? 0 : 1);
  }
  Gauge(out, "kiln_subject_outcome", "the worst outcome of the probe x subject (pass, warn, fail, error, skipped, "
                                     "not_applicable), as a label; the value is always 1");
  out += outcomes;

  const json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  const json& run = report.at("run");
  const json baseline = report.value("baseline", json::object());
  Gauge(out, "kiln_run_info", "what ran: Kiln's version, the suite, the baseline and the run's id; the value is 1");
  out += fmt::format("kiln_run_info{{{},version=\"{}\",baseline=\"{}\",run_id=\"{}\"}} 1\n", RunLabels(report),
                     Escape(report.value("kiln", json::object()).value("version", "")),
                     Escape(baseline.value("sku", "")), Escape(run.value("id", "")));
  Gauge(out, "kiln_run_accepted", "1 when the run was accepted");
  out += fmt::format("kiln_run_accepted{{{}}} {}\n", RunLabels(report), summary.value("accepted", false) ? 1 : 0);
  Gauge(out, "kiln_run_timestamp_seconds", "when the run started, seconds since 1970 (UTC)");
  std::optional<double> started = UtcSeconds(run.value("started", ""));
  out += fmt::format("kiln_run_timestamp_seconds{{{}}} {}\n", RunLabels(report), Number(started.value_or(0)));
  Gauge(out, "kiln_rules_required", "baseline rules an acceptance of these nodes needs");
  out += fmt::format("kiln_rules_required{{{}}} {}\n", RunLabels(report), summary.at("coverage").value("required", 0));
  Gauge(out, "kiln_rules_judged", "of those, the rules judged on every node they apply to (ACCEPTED needs all)");
  out += fmt::format("kiln_rules_judged{{{}}} {}\n", RunLabels(report), summary.at("coverage").value("judged", 0));
  Gauge(out, "kiln_expectations_not_checked", "baseline rules an acceptance needs that this run did not judge");
  out += fmt::format("kiln_expectations_not_checked{{{}}} {}\n", RunLabels(report), NotCheckedLines(report).size());
  Gauge(out, "kiln_run_duration_seconds", "how long the run took");
  out += fmt::format("kiln_run_duration_seconds{{{}}} {}\n", RunLabels(report), Number(run.value("duration_s", 0.0)));
  return out;
}

}  // namespace kiln
