#include <fmt/format.h>

#include <map>
#include <set>

#include "reports/renderers.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {
namespace {

// Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*, units spelled out as a suffix.
std::string MetricName(const std::string& metric, const std::string& unit) {
  static const std::map<std::string, std::string> kSuffix{
      {"GB/s", "_gigabytes_per_second"}, {"Gb/s", "_gigabits_per_second"}, {"us", "_microseconds"},
      {"s", "_seconds"}, {"GiB", "_gibibytes"}, {"TFLOPS", "_teraflops"}, {"C", "_celsius"}, {"W", "_watts"},
      {"MHz", "_megahertz"}, {"lanes", "_lanes"}, {"count", ""}};
  std::string name = "kiln_";
  for (char c : metric) name += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  auto it = kSuffix.find(unit);
  name += it != kSuffix.end() ? it->second : "";
  return name;
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

// Label names come from report.json too: [a-zA-Z_][a-zA-Z0-9_]*, anything else becomes '_'.
std::string LabelName(const std::string& key) {
  std::string name = key.empty() ? "_" : key;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  if (std::isdigit(static_cast<unsigned char>(name.front()))) name.insert(name.begin(), '_');
  return name;
}

std::string Labels(const nlohmann::json& subject, const nlohmann::json& extra) {
  std::string text;
  auto add = [&](const std::string& key, const std::string& value) {
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
  if (subject.contains("device")) add("device", subject["device"].get<std::string>());
  for (const auto& [key, value] : extra.items()) add(LabelName(key), value.get<std::string>());
  return text;
}

}  // namespace

std::string RenderPrometheus(const nlohmann::json& report) {
  std::map<std::string, std::string> help;  // name -> first method
  std::map<std::string, std::vector<std::string>> samples;
  for (const auto& m : report.at("measurements")) {
    std::string name = MetricName(m.at("metric"), m.at("unit"));
    help.emplace(name, EscapeHelp(fmt::format("{} ({}), median of the samples", m.at("metric").get<std::string>(),
                                              m.at("unit").get<std::string>())));
    const nlohmann::json labels = m.value("labels", nlohmann::json::object());
    samples[name].push_back(fmt::format("{}{{{}}} {}", name, Labels(m.at("subject"), labels),
                                        m.at("summary").at("median").get<double>()));
  }
  std::string out;
  for (const auto& [name, lines] : samples) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help[name], name);
    for (const std::string& line : lines) out += line + "\n";
  }
  out += "# HELP kiln_subject_ok 1 when every verdict on the probe x subject passed or warned, 0 otherwise\n"
         "# TYPE kiln_subject_ok gauge\n";
  for (const VerdictGroup& g : GroupVerdicts(report)) {
    nlohmann::json subject = g.subject;
    out += fmt::format("kiln_subject_ok{{probe=\"{}\",{},outcome=\"{}\"}} {}\n", Escape(g.probe),
                       Labels(subject, nlohmann::json::object()), ToString(g.worst), IsFailure(g.worst) ? 0 : 1);
  }
  const auto& summary = report.at("summary");
  out += fmt::format(
      "# HELP kiln_run_accepted 1 when the run was accepted\n# TYPE kiln_run_accepted gauge\n"
      "kiln_run_accepted{{cluster=\"{}\",suite=\"{}\"}} {}\n",
      Escape(report.at("cluster").value("name", "")), Escape(report.at("suite").value("name", "")),
      summary.value("accepted", false) ? 1 : 0);
  out += fmt::format("# HELP kiln_expectations_not_checked baseline expectations the suite could not check\n"
                     "# TYPE kiln_expectations_not_checked gauge\nkiln_expectations_not_checked{{cluster=\"{}\",suite=\"{}\"}} {}\n",
                     Escape(report.at("cluster").value("name", "")), Escape(report.at("suite").value("name", "")),
                     NotCheckedLines(report).size());
  out += fmt::format("# HELP kiln_run_duration_seconds how long the run took\n# TYPE kiln_run_duration_seconds gauge\n"
                     "kiln_run_duration_seconds {}\n", report.at("run").value("duration_s", 0.0));
  return out;
}

}  // namespace kiln
