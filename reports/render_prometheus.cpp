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
#include "reports/node_judgement.hpp"
#include "reports/prometheus_textfile.hpp"
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

// The run's own labels, first on every sample: two suites' files in one textfile folder (or two clusters') never
// hold the same series, and node_exporter refuses a series that two files both hold.
std::vector<std::pair<std::string, std::string>> RunLabelPairs(const json& report) {
  return {{"cluster", report.at("cluster").value("name", "")}, {"suite", report.at("suite").value("name", "")}};
}

// label="value" pairs, each name once (the first wins): a measurement's own label cannot replace the run's.
class LabelText {
 public:
  void Add(const std::string& key, const std::string& value) {
    if (!used_.insert(key).second) return;
    text_ += fmt::format("{}{}=\"{}\"", text_.empty() ? "" : ",", key, EscapePrometheusLabelValue(value));
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
  std::set<std::string> used_;
};

// cluster, suite; node, peer, device (and the GPU's dcgm labels), or a group's size; then the measurement's own
// labels, with a size in bytes as a number.
std::string Labels(const json& report, const json& subject, const json& extra, const GpuLabels& gpus) {
  LabelText text;
  for (const auto& [key, value] : RunLabelPairs(report)) text.Add(key, value);
  const auto& nodes = subject.at("nodes");
  std::string kind = subject.at("kind");
  if (kind == "group") {
    text.Add("group_size", std::to_string(nodes.size()));
  } else {
    if (!nodes.empty()) text.Add("node", nodes[0].get<std::string>());
    if (kind == "pair" && nodes.size() > 1) text.Add("peer", nodes[1].get<std::string>());
  }
  if (subject.contains("device")) {
    std::string device = subject["device"].get<std::string>();
    text.Add("device", device);
    if (!nodes.empty()) {
      auto it = gpus.find({nodes[0].get<std::string>(), device});
      if (it != gpus.end()) {
        text.Add("Hostname", nodes[0].get<std::string>());
        for (const auto& [key, value] : it->second) text.Add(key, value);
      }
    }
  }
  for (const auto& [key, value] : extra.items()) {
    std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    std::optional<std::uint64_t> bytes = key == "size" ? ParseBytes(v) : std::nullopt;
    if (bytes) {
      text.Add("size_bytes", std::to_string(*bytes));
    } else {
      text.Add(LabelName(key), v);
    }
  }
  return text.str();
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
  LabelText text;
  for (const auto& [key, value] : RunLabelPairs(report)) text.Add(key, value);
  return text.str();
}

void Gauge(std::string& out, const std::string& name, const std::string& help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, EscapeHelp(help), name);
}

// Every exported measurement: its median in the metric's base unit.
void AddMeasurements(std::string& out, const json& report, const GpuLabels& gpus) {
  const std::set<const json*> exported = ExportedMeasurements(report);
  std::map<std::string, std::string> help;  // name -> text
  std::map<std::string, std::vector<std::string>> samples;
  for (const json& m : report.at("measurements")) {
    if (exported.count(&m) == 0) continue;
    const std::string unit = m.at("unit").get<std::string>();
    std::string name = PrometheusMetricName(m.at("metric"), unit);
    help.emplace(name, fmt::format("{}: median of the samples, in base units (Kiln reports {})",
                                   m.at("metric").get<std::string>(), unit));
    samples[name].push_back(fmt::format("{}{{{}}} {}", name,
                                        Labels(report, m.at("subject"), m.value("labels", json::object()), gpus),
                                        Number(m.at("summary").at("median").get<double>() * ToBase(unit).factor)));
  }
  for (const auto& [name, lines] : samples) {
    Gauge(out, name, help[name]);
    for (const std::string& line : lines) out += line + "\n";
  }
}

// Thresholds, once per series and rule, in the metric's base unit.
void AddThresholds(std::string& out, const json& report) {
  std::map<std::string, std::string> thresholds;
  std::map<std::string, std::string> units;
  for (const json& m : report.at("measurements")) units.emplace(m.value("metric", ""), m.value("unit", ""));
  for (const json& v : report.at("verdicts")) {
    if (!v.contains("threshold") || !v["threshold"].is_number() || v.value("series", "").empty()) continue;
    const std::string metric = v.value("metric", "");
    double factor = ToBase(units.count(metric) ? units[metric] : "").factor;
    std::string line = fmt::format("kiln_expectation_threshold{{{},series=\"{}\",rule=\"{}\"}} {}\n", RunLabels(report),
                                   EscapePrometheusLabelValue(v.value("series", "")), EscapePrometheusLabelValue(v.value("rule", "")),
                                   Number(v["threshold"].get<double>() * factor));
    thresholds.emplace(v.value("series", "") + "|" + v.value("rule", ""), line);
  }
  if (thresholds.empty()) return;
  Gauge(out, "kiln_expectation_threshold",
        "the bound a baseline rule held the series to, in the metric's base unit (rule names the comparison)");
  for (const auto& [key, line] : thresholds) out += line;
}

// Judged subjects: ok is 1 for pass or warn, 0 for fail or error; a skipped or not applicable subject has no
// ok sample (it was not judged), only its outcome.
void AddSubjects(std::string& out, const json& report, const GpuLabels& gpus) {
  Gauge(out, "kiln_subject_ok", "1 when every verdict on the probe x subject passed or warned, 0 when one failed");
  std::string outcomes;
  for (const VerdictGroup& g : GroupVerdicts(report)) {
    json subject(g.subject);
    std::string labels = Labels(report, subject, json::object(), gpus);
    labels.insert(RunLabels(report).size(), fmt::format(",probe=\"{}\"", EscapePrometheusLabelValue(g.probe)));
    outcomes += fmt::format("kiln_subject_outcome{{{},outcome=\"{}\"}} 1\n", labels, ToString(g.worst));
    if (g.worst == Outcome::kSkipped || g.worst == Outcome::kNotApplicable) continue;
    out += fmt::format("kiln_subject_ok{{{}}} {}\n", labels, IsFailure(g.worst) ? 0 : 1);
  }
  Gauge(out, "kiln_subject_outcome", "the worst outcome of the probe x subject (pass, warn, fail, error, skipped, "
                                     "not_applicable), as a label; the value is always 1");
  out += outcomes;
}

// Each node on its own (reports/node_judgement.hpp), for alerts per node: "failing", "not swept for 2 days".
void AddNodes(std::string& out, const json& report) {
  const std::map<std::string, NodeJudgement> nodes = JudgeNodes(report);
  const std::optional<double> started = UtcSeconds(report.at("run").value("started", ""));
  std::string ok;
  std::string outcome;
  std::string last;
  for (const auto& [node, judgement] : nodes) {
    std::string labels = fmt::format("{},node=\"{}\",Hostname=\"{}\"", RunLabels(report), EscapePrometheusLabelValue(node), EscapePrometheusLabelValue(node));
    if (judgement.outcome != Outcome::kSkipped && judgement.outcome != Outcome::kNotApplicable) {
      ok += fmt::format("kiln_node_ok{{{}}} {}\n", labels, IsFailure(judgement.outcome) ? 0 : 1);
    }
    outcome += fmt::format("kiln_node_outcome{{{},outcome=\"{}\"}} 1\n", labels, ToString(judgement.outcome));
    last += fmt::format("kiln_node_last_run_timestamp_seconds{{{}}} {}\n", labels, Number(started.value_or(0)));
  }
  Gauge(out, "kiln_node_ok", "1 when no verdict speaks against the node (pass or warn), 0 when one failed");
  out += ok;
  Gauge(out, "kiln_node_outcome", "the worst outcome that speaks against the node, as a label; the value is 1");
  out += outcome;
  Gauge(out, "kiln_node_last_run_timestamp_seconds",
        "when the run that judged the node started, seconds since 1970 (UTC)");
  out += last;
}

// The run itself: what ran, whether it was accepted, when, how long, how much of the baseline it judged.
void AddRun(std::string& out, const json& report) {
  const json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  const json& run = report.at("run");
  const json baseline = report.value("baseline", json::object());
  const std::string labels = RunLabels(report);
  Gauge(out, "kiln_run_info", "what ran: Kiln's version, the suite, the baseline and the run's id; the value is 1");
  out += fmt::format("kiln_run_info{{{},version=\"{}\",baseline=\"{}\",run_id=\"{}\"}} 1\n", labels,
                     EscapePrometheusLabelValue(report.value("kiln", json::object()).value("version", "")),
                     EscapePrometheusLabelValue(baseline.value("sku", "")), EscapePrometheusLabelValue(run.value("id", "")));
  Gauge(out, "kiln_run_accepted", "1 when the run was accepted");
  out += fmt::format("kiln_run_accepted{{{}}} {}\n", labels, summary.value("accepted", false) ? 1 : 0);
  Gauge(out, "kiln_run_timestamp_seconds", "when the run started, seconds since 1970 (UTC)");
  std::optional<double> started = UtcSeconds(run.value("started", ""));
  out += fmt::format("kiln_run_timestamp_seconds{{{}}} {}\n", labels, Number(started.value_or(0)));
  Gauge(out, "kiln_rules_required", "baseline rules an acceptance of these nodes needs");
  out += fmt::format("kiln_rules_required{{{}}} {}\n", labels, summary.at("coverage").value("required", 0));
  Gauge(out, "kiln_rules_judged", "of those, the rules judged on every node they apply to (ACCEPTED needs all)");
  out += fmt::format("kiln_rules_judged{{{}}} {}\n", labels, summary.at("coverage").value("judged", 0));
  Gauge(out, "kiln_expectations_not_checked", "baseline rules an acceptance needs that this run did not judge");
  out += fmt::format("kiln_expectations_not_checked{{{}}} {}\n", labels, NotCheckedLines(report).size());
  Gauge(out, "kiln_run_duration_seconds", "how long the run took");
  out += fmt::format("kiln_run_duration_seconds{{{}}} {}\n", labels, Number(run.value("duration_s", 0.0)));
}

}  // namespace

std::string RenderPrometheus(const nlohmann::json& report) {
  const GpuLabels gpus = GpuLabelsOf(report);
  std::string out;
  AddMeasurements(out, report, gpus);
  AddThresholds(out, report);
  AddSubjects(out, report, gpus);
  AddNodes(out, report);
  AddRun(out, report);
  return out;
}

// [a-zA-Z_:][a-zA-Z0-9_:]* in snake case; a gauge may not end in _count, _sum, _bucket or _total.
std::string PrometheusMetricName(const std::string& metric, const std::string& unit) {
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

double PrometheusBaseFactor(const std::string& unit) { return ToBase(unit).factor; }

std::string EscapePrometheusLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace kiln
