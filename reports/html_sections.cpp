#include "reports/html_sections.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "core/errors.hpp"
#include "core/hostlist.hpp"
#include "core/subject.hpp"
#include "core/units.hpp"
#include "reports/html_escape.hpp"

namespace kiln {
namespace {

using nlohmann::json;

using html::E;

// A node list as the report holds it: a hostlist string (shown as it is, shortened) or an array of names.
std::string NodeList(const json& nodes, std::size_t limit = 6) {
  if (nodes.is_string()) {
    const std::string& text = nodes.get_ref<const std::string&>();
    return text.size() > 120 ? text.substr(0, 117) + "..." : text;
  }
  std::string text;
  for (std::size_t i = 0; i < nodes.size() && i < limit; ++i) {
    if (i > 0) text += ',';
    text += nodes[i].get<std::string>();
  }
  if (nodes.size() > limit) text += fmt::format(",... (+{})", nodes.size() - limit);
  return text;
}

// How many nodes a node list names, in either form.
std::size_t NodeCount(const json& nodes) {
  if (!nodes.is_string()) return nodes.size();
  try {
    return NodesFromJson(nodes).size();
  } catch (const InputError&) {
    return 0;
  }
}

// A burn-in: how long, how many iterations, who failed how often, how each series moved.
}  // namespace

std::string BurnInSection(const json& b) {
  std::string html = "<h2>Burn-in</h2>";
  html += fmt::format(R"(<p class="note">{} iteration(s) in {} of {}{}{}.</p>)", b.value("iterations", 0),
                      E(FormatDuration(Seconds(b.value("elapsed_s", 0.0)))),
                      E(FormatDuration(Seconds(b.value("duration_s", 0.0)))),
                      b.value("resumed", 0) > 0 ? fmt::format(", resumed {} time(s)", b.value("resumed", 0)) : "",
                      b.value("interrupted", json()).is_string() ? "; <b>" + E(b["interrupted"].get<std::string>()) + "</b>"
                                                                 : (b.value("completed", false) ? "; completed" : ""));
  html += "<table><tr><th>node</th><th>iterations with a failure</th></tr>";
  const json per_node = b.value("failed_iterations_per_node", json::object());
  for (const auto& [node, count] : per_node.items()) {
    html += fmt::format(R"(<tr><td>{}</td><td class="fail">{}</td></tr>)", E(node), count.get<int>());
  }
  if (per_node.empty()) html += R"(<tr><td colspan="2" class="pass">no node failed an iteration</td></tr>)";
  html += "</table><h3>Series over the iterations</h3><table><tr><th>series@subject</th><th>iterations</th><th>mean</th>"
          "<th>stddev</th><th>min</th><th>max</th><th>first</th><th>last</th></tr>";
  const json series = b.value("series", json::array());
  for (std::size_t i = 0; i < series.size() && i < 200; ++i) {
    const json& s = series[i];
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.4g} {}</td><td>{:.3g}</td><td>{:.4g}</td><td>{:.4g}</td>"
                        "<td>{:.4g}</td><td>{:.4g}</td></tr>",
                        E(s.value("series", "")), s.value("count", 0), s.value("mean", 0.0), E(s.value("unit", "")),
                        s.value("stddev", 0.0), s.value("min", 0.0), s.value("max", 0.0), s.value("first", 0.0),
                        s.value("last", 0.0));
  }
  html += "</table>";
  if (series.size() > 200) {
    html += fmt::format(R"(<p class="note">{} more series in report.json and {}.</p>)", series.size() - 200,
                        E(b.value("journal", "")));
  }
  return html;
}

// How the bisection got to its findings: every round, what ran and what it concluded.
std::string BisectionTrail(const json& b) {
  std::string html = fmt::format("<h2>Bisection{}</h2>", b.value("simulated", false) ? " (simulated cluster)" : "");
  const json probes = b.value("probes", json::object());
  html += fmt::format(R"(<p class="note">{} node(s); probes: node {}, pair {}, group {}. {}</p>)", b.value("nodes", 0),
                      E(probes.value("node", "-")), E(probes.value("pair", "-")), E(probes.value("group", "-")),
                      E(b.value("conclusion", "")));
  html += "<table><tr><th>finding</th><th>subject</th><th>stage</th><th>why</th><th>evidence (rounds)</th></tr>";
  const json findings = b.value("findings", json::array());
  for (const json& f : findings) {
    std::string kind = f.value("kind", "");
    html += fmt::format(R"(<tr><td class="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
                        kind == "unresolved" ? "warn" : "fail", E(kind), E(f.at("subject").get<Subject>().Label()),
                        E(f.value("stage", "")), E(f.value("reason", "")), E(f.value("rounds", json::array()).dump()));
  }
  if (findings.empty()) html += R"(<tr><td colspan="5" class="pass">nobody implicated</td></tr>)";
  // The trail is evidence, not the summary: collapsed until asked for.
  html += fmt::format("</table><details><summary><h3>Trail</h3> {} round(s), {} test(s)</summary>",
                      b.value("rounds_used", 0), b.value("tests_used", 0));
  html += "<table><tr><th>round</th><th>stage</th><th>trials</th><th>what ran</th><th>conclusion</th></tr>";
  for (const json& round : b.value("rounds", json::array())) {
    const json trials = round.value("trials", json::array());
    std::map<std::string, int> outcomes;
    for (const json& t : trials) outcomes[t.value("outcome", "")] += t.value("trials", 1);
    std::string counts;
    for (const auto& [outcome, n] : outcomes) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, outcome);
    std::string ran;
    for (std::size_t i = 0; i < trials.size() && i < 4; ++i) {
      const json& t = trials[i];
      std::string value = t.value("value", json()).is_number() ? fmt::format(" {:.4g}", t["value"].get<double>()) : "";
      const json values = t.value("values", json());
      if (values.is_object()) {
        value = fmt::format(" {:.4g}..{:.4g} (median {:.4g})", values.value("min", 0.0), values.value("max", 0.0),
                            values.value("median", 0.0));
      }
      std::size_t padding = t.contains("padding") ? NodeCount(t["padding"]) : t.value("padding_count", 0u);
      std::string count = t.contains("trials") ? fmt::format("{} trials on ", t["trials"].get<std::size_t>()) : "";
      ran += fmt::format("{}{} {}[{}]{}: {}{}", ran.empty() ? "" : "\n", t.value("probe", ""), count,
                         NodeList(t.at("nodes")), padding == 0 ? "" : fmt::format(" +{} cleared", padding),
                         t.value("outcome", ""), value);
    }
    if (trials.size() > 4) ran += fmt::format("\n... {} more", trials.size() - 4);
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td><td>{}</td></tr>",
                        round.value("index", 0), E(round.value("stage", "")), E(counts), E(ran),
                        E(round.value("conclusion", "")));
  }
  html += "</table></details>";
  return html;
}

std::string CollectiveTables(const json& report) {
  struct Row {
    double time = -1, algbw = -1, busbw = -1, wrong = -1;
  };
  // (probe and collective, subject) -> size in bytes -> row
  std::map<std::pair<std::string, std::string>, std::map<std::uint64_t, Row>> tables;
  for (const json& m : report.value("measurements", json::array())) {
    const std::string metric = m.value("metric", "");
    std::string prefix;
    for (const char* p : {"nccl.", "mpi.allreduce."}) {
      if (metric.rfind(p, 0) == 0) prefix = p;
    }
    const json labels = m.value("labels", json::object());
    if (prefix.empty() || !labels.contains("size") || !labels["size"].is_string() || !m.contains("summary")) continue;
    std::optional<std::uint64_t> size = ParseBytes(labels["size"].get<std::string>());
    if (!size) continue;
    std::string sweep = prefix == "nccl." ? "NCCL " + labels.value("collective", "?") : "MPI all_reduce";
    if (labels.contains("algo")) sweep += " (" + labels.value("algo", "") + ")";
    Row& row = tables[{sweep, m.at("subject").get<Subject>().Label(4)}][*size];
    const double value = m["summary"].value("median", 0.0);
    const std::string column = metric.substr(prefix.size());
    if (column == "time") row.time = value;
    if (column == "algbw") row.algbw = value;
    if (column == "busbw") row.busbw = value;
    if (column == "wrong_elements") row.wrong = value;
  }
  if (tables.empty()) return "";
  auto cell = [](double v, const char* format) { return v < 0 ? std::string("-") : fmt::format(fmt::runtime(format), v); };
  std::string html = "<h2>Collectives</h2><p class=\"note\">As nccl-tests prints them: medians per size; bus "
                     "bandwidth by nccl-tests' formula.</p>";
  for (const auto& [key, rows] : tables) {
    html += fmt::format("<details><summary>{} on {}</summary><table><tr><th>size</th><th>time (us)</th>"
                        "<th>algbw (GB/s)</th><th>busbw (GB/s)</th><th>#wrong</th></tr>",
                        E(key.first), E(key.second));
    for (const auto& [size, r] : rows) {
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", E(FormatBytes(size)),
                          cell(r.time, "{:.1f}"), cell(r.algbw, "{:.2f}"), cell(r.busbw, "{:.2f}"), cell(r.wrong, "{:.0f}"));
    }
    html += "</table></details>";
  }
  return html;
}

}  // namespace kiln
