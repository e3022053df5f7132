// The customer's page: one self-contained file (no scripts, fonts or network), charts as inline SVG.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/hostlist.hpp"
#include "core/measurement.hpp"
#include "core/node_inventory.hpp"
#include "core/units.hpp"
#include "reports/html_escape.hpp"
#include "reports/renderers.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/report.hpp"
#include "reports/html_charts.hpp"
#include "reports/html_sections.hpp"
#include "reports/key_numbers.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {
namespace {

using nlohmann::json;

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;color:#1d2329;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d8dee4;padding-bottom:.3rem;margin-top:2.2rem}
.verdict{padding:1rem 1.4rem;border-radius:8px;font-size:1.4rem;font-weight:600;margin:1rem 0}
.accepted{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.partial{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}
.rejected{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.nothing{background:#eaeef2;color:#424a53;border:1px solid #afb8c1}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}td,th{border:1px solid #d8dee4;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.pass{color:#116329}.fail,.error{color:#a40e26;font-weight:600}.warn{color:#9a6700}.skipped{color:#57606a}
.note{color:#57606a;font-size:.85rem}svg{display:block;margin:.5rem 0 1rem}pre{white-space:pre-wrap;margin:0}
)";

using html::E;

std::string VerdictBanner(const json& report) {
  const json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  RunOutcome outcome = summary.at("outcome").get<RunOutcome>();
  bool accepted = summary.value("accepted", false);
  std::string cls = accepted                          ? "accepted"
                    : outcome == RunOutcome::kPartial ? "partial"
                    : outcome == RunOutcome::kSkipped ? "nothing"
                                                      : "rejected";
  std::string text = accepted                          ? "Cluster accepted"
                     : outcome == RunOutcome::kPartial ? "Passed, not an acceptance"
                     : outcome == RunOutcome::kSkipped ? "Nothing was judged"
                                                       : "Cluster NOT accepted";
  std::string html = fmt::format(R"(<div class="verdict {}" id="verdict">{}</div>)", cls, text);
  html += fmt::format(R"(<p id="headline"><strong>{}</strong></p>)", E(summary.value("headline", "")));
  if (!summary.value("note", "").empty()) html += fmt::format("<p>{}</p>", E(summary.value("note", "")));
  return html;
}

std::string FailuresSection(const json& report, std::size_t measurement_count) {
  std::string html;
  html += "<h2>Subjects that did not pass</h2><table><tr><th>outcome</th><th>probe</th><th>subject</th><th>why</th></tr>";
  int listed = 0;
  // By severity: failures, errors, warnings, then what was skipped; each with its value, bound, source and cause.
  std::vector<VerdictGroup> groups = GroupVerdicts(report);
  for (Outcome wanted : {Outcome::kFail, Outcome::kError, Outcome::kWarn, Outcome::kSkipped}) {
    for (const VerdictGroup& g : groups) {
      if (g.worst != wanted) continue;
      ++listed;
      std::string why;
      for (const Verdict& v : g.verdicts) {
        if (v.outcome != g.worst) continue;
        if (!why.empty()) why += "\n";
        why += v.reason;
        if (!v.source.empty()) why += fmt::format(" [{}]", v.source);
        if (!v.cause.empty()) why += fmt::format("\n  cause: {}", v.cause);
      }
      html += fmt::format(R"(<tr><td class="{0}">{0}</td><td>{1}</td><td>{2}</td><td><pre>{3}</pre></td></tr>)",
                          ToString(g.worst), E(g.probe), E(g.subject.Label()), E(why));
    }
  }
  if (listed == 0) html += R"(<tr><td colspan="4" class="pass">every subject passed</td></tr>)";
  html += "</table>";
  const json counts = SummaryOf(report).at("counts");
  html += fmt::format(R"(<p class="note">Verdicts: {} pass, {} warn, {} fail, {} error, {} skipped, {} not applicable; {} measurements.</p>)",
                      counts.value("pass", 0), counts.value("warn", 0), counts.value("fail", 0), counts.value("error", 0),
                      counts.value("skipped", 0), counts.value("not_applicable", 0), measurement_count);
  if (std::string choice = DescribeBaselineChoice(report); !choice.empty()) {
    html += fmt::format(R"(<p class="note">Baseline: {}</p>)", E(choice));
  }
  std::size_t more = 0;
  std::vector<KeyNumberRow> rows = KeyNumbers(report, 64, &more);
  if (!rows.empty()) {
    html += "<h2>Key numbers</h2><table><tr><th>subject</th><th>medians</th></tr>";
    for (const KeyNumberRow& row : rows) {
      html += fmt::format("<tr><td>{}</td><td>{}</td></tr>", E(row.subject), E(fmt::format("{}", fmt::join(row.cells, " | "))));
    }
    if (more > 0) html += fmt::format(R"(<tr><td colspan="2" class="note">and {} more subject(s) below</td></tr>)", more);
    html += "</table>";
  }
  if (std::vector<std::string> unchecked = NotCheckedLines(report); !unchecked.empty()) {
    html += "<h3>Rules not judged (they cost the run its acceptance)</h3><ul>";
    for (const std::string& line : unchecked) html += fmt::format("<li>{}</li>", E(line));
    html += "</ul>";
  }

  return html;
}

// Per probe: charts of each series.
std::string ChartSections(const std::vector<Measurement>& measurements, const Judgements& judgements) {
  std::string html;
  std::vector<std::string> probes;
  for (const Measurement& m : measurements) {
    if (std::find(probes.begin(), probes.end(), m.probe) == probes.end()) probes.push_back(m.probe);
  }
  for (const std::string& probe : probes) {
    html += fmt::format("<h2>{}</h2>", E(probe));
    std::map<std::string, std::vector<Measurement>> by_metric;  // metric -> all its series
    std::vector<std::string> order;
    for (const Measurement& m : measurements) {
      if (m.probe != probe) continue;
      if (!by_metric.count(m.metric)) order.push_back(m.metric);
      by_metric[m.metric].push_back(m);
    }
    for (const std::string& metric : order) {
      const std::vector<Measurement>& ms = by_metric[metric];
      html += fmt::format("<h3>{} ({})</h3>", E(metric), E(ms.front().unit));
      // Counters that stayed at zero (ECC, XID, wrong results) and passed say all they have to say in one line.
      bool all_zero_counts = ms.front().unit == "count" && std::all_of(ms.begin(), ms.end(), [&](const Measurement& m) {
        auto it = judgements.find({m.SeriesKey(), m.subject.Key()});
        bool passed = it == judgements.end() || !it->second.judged || it->second.worst == Outcome::kPass;
        return passed && m.summary.max == 0 && m.summary.min == 0;
      });
      if (all_zero_counts) {
        html += fmt::format(R"(<p class="note">0 on all {} subject(s). How measured: {}</p>)", ms.size(), E(ms.front().method));
        continue;
      }
      bool sized = std::all_of(ms.begin(), ms.end(), [](const Measurement& m) { return m.labels.count("size") > 0; });
      bool matrix = std::any_of(ms.begin(), ms.end(), [](const Measurement& m) {
        return m.subject.kind == SubjectKind::kPair || m.subject.device.find("->") != std::string::npos;
      });
      std::string size_chart = sized && ms.size() > 2 ? SizeChart(metric, ms, judgements) : "";
      if (!size_chart.empty()) {
        html += size_chart;
      } else {
        if (matrix && ms.size() > 2) html += HeatMap(ms);
        // One chart per metric: a row per subject, or per series (a GEMM type, a direction) where one subject
        // has several, each row against its own bounds.
        std::set<std::string> subjects;
        for (const Measurement& m : ms) subjects.insert(m.subject.Key());
        std::vector<std::pair<std::string, Measurement>> rows;
        for (const Measurement& m : ms) {
          std::string series = LabelValues(m);
          rows.emplace_back(subjects.size() == 1 && !series.empty() ? series
                            : series.empty()                        ? m.subject.Label()
                                                                    : fmt::format("{} {}", m.subject.Label(), series),
                            m);
        }
        html += BarChart(metric, rows, judgements);
        if (std::any_of(ms.begin(), ms.end(), IsTimeSeries)) html += TimeSeriesChart(metric, ms, judgements);
      }
      html += fmt::format(R"(<p class="note">How measured: {}</p>)", E(ms.front().method));
    }
  }

  return html;
}

// What the nodes are: one row per distinct kind of node, so that a fleet of identical nodes is one line.
std::string NodesSection(const json& report) {
  struct Row {
    std::vector<std::string> names;
    std::vector<int> ranks;
  };
  std::vector<std::pair<std::vector<std::string>, Row>> rows;  // cells after the name, in first-seen order
  for (const json& node : report.at("cluster").at("nodes")) {
    std::optional<NodeInventory> inv = InventoryFromJson(node.value("inventory", json()));
    std::string cpu, memory, os, gpus, driver, ports;
    if (inv) {
      cpu = fmt::format("{} x {}", inv->cpu_count, inv->cpu_model);
      if (inv->memory_bytes) memory = fmt::format("{:.1f} GiB", static_cast<double>(*inv->memory_bytes) / (1 << 30));
      os = fmt::format("{} / {}", inv->os, inv->kernel);
      if (inv->gpus.available) {
        for (const GpuInfo& d : inv->gpus.devices) {
          // The UUID and serial are what a replacement ticket and dcgm-exporter name a GPU by.
          // The VBIOS: a firmware that differs across a fleet explains many a node that is slow alone.
          gpus += fmt::format("{}gpu{} {} ({}{}{})", gpus.empty() ? "" : ", ", d.index, d.name, d.uuid,
                              d.serial.empty() ? "" : fmt::format(", serial {}", d.serial),
                              d.vbios.empty() ? "" : fmt::format(", VBIOS {}", d.vbios));
        }
        driver = inv->gpus.driver_version;
      } else {
        gpus = inv->gpus.reason.empty() ? "none" : inv->gpus.reason;
      }
      for (const IbPort& p : inv->ib_ports) {
        ports += fmt::format("{}{}/{} {} {:g} Gb/s", ports.empty() ? "" : ", ", p.device, p.port, p.state, p.rate_gbps);
      }
    } else {
      cpu = "no inventory (the health probe did not run here)";
    }
    std::vector<std::string> cells{cpu, memory, os, gpus, driver, ports.empty() ? "none" : ports};
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == cells; });
    if (it == rows.end()) it = rows.insert(rows.end(), {cells, Row{}});
    it->second.names.push_back(node.value("name", ""));
    for (int rank : node.value("ranks", std::vector<int>{})) it->second.ranks.push_back(rank);
  }
  std::string html = "<h2>Nodes</h2><table><tr><th>nodes</th><th>ranks</th><th>CPU</th><th>memory</th><th>OS / kernel</th>"
                     "<th>GPUs</th><th>driver</th><th>InfiniBand ports</th></tr>";
  for (const auto& [cells, row] : rows) {
    std::string names = row.names.size() <= 8 ? fmt::format("{}", fmt::join(row.names, ", "))
                                               : fmt::format("{} nodes: {}", row.names.size(), ShortNodeList(row.names));
    std::string ranks = row.ranks.size() <= 16 ? json(row.ranks).dump() : fmt::format("{} ranks", row.ranks.size());
    html += fmt::format("<tr><td>{}</td><td>{}</td>", E(names), E(ranks));
    for (const std::string& cell : cells) html += fmt::format("<td>{}</td>", E(cell));
    html += "</tr>";
  }
  html += "</table>";
  return html;
}

// How each step ran.
std::string StepsSection(const json& report) {
  std::string html;
  html += "<h2>Steps</h2><table><tr><th>phase</th><th>probe</th><th>parameters</th><th>timeout</th><th>took</th>"
          "<th>results</th></tr>";
  for (const json& step : report.at("steps")) {
    std::map<std::string, int> statuses;
    double took = 0;  // the slowest subject
    for (const json& r : step.at("results")) {
      ++statuses[r.value("status", "")];
      took = std::max(took, r.value("elapsed_s", 0.0));
    }
    std::string results;
    for (const auto& [status, n] : statuses) results += fmt::format("{}{} {}", results.empty() ? "" : ", ", n, status);
    std::string params;
    const json parameters = step.value("parameters", json::object());
    for (const auto& [k, v] : parameters.items()) {
      params += fmt::format("{}{}={}", params.empty() ? "" : " ", k, v.get<std::string>());
    }
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:g}s</td><td>{}</td><td>{}</td></tr>",
                        E(step.value("phase", "")), E(step.value("probe", "")), E(params), step.value("timeout_s", 0.0),
                        E(FormatDuration(Seconds(took))), E(results));
  }
  html += "</table>";
  return html;
}

}  // namespace

std::string RenderHtml(const json& report) {
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  std::vector<Measurement> measurements = report.at("measurements").get<std::vector<Measurement>>();
  Judgements judgements = CollectJudgements(verdicts);
  const json& run = report.at("run");
  std::string cluster = report.at("cluster").value("name", "");

  std::string html = fmt::format(R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">)"
                                 R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"
                                 R"(<title>Kiln report: {}</title><style>{}</style></head><body>)",
                                 E(cluster), kStyle);
  html += fmt::format("<h1>Kiln report: {}</h1>", E(cluster));
  html += fmt::format(R"(<p class="note">Suite <b>{}</b>, baseline <b>{}</b>, {} node(s), {} rank(s), {} to {}{}.</p>)",
                      E(report.at("suite").value("name", "")), E(BaselineIdentity(report)),
                      report.at("cluster").at("nodes").size(), run.value("ranks", 0), E(run.value("started", "")),
                      E(run.value("finished", "")), run.value("simulated", false) ? ", SIMULATED run" : "");
  html += VerdictBanner(report);
  html += report.at("signature").value("signed", false)
              ? fmt::format(R"(<p class="note">Signed with Ed25519 key <code>{}</code>: check with <code>minisign -V -p kiln.pub -m report.json</code>.</p>)",
                            E(report["signature"].value("key_id", "")))
              : R"(<p class="note"><b>This report is not signed.</b></p>)";

  html += FailuresSection(report, measurements.size());
  if (report.contains("burnin")) html += BurnInSection(report["burnin"]);
  if (report.contains("bisections")) {
    for (const auto& b : report["bisections"]) html += BisectionTrail(b);
  } else if (report.contains("bisection")) {
    html += BisectionTrail(report["bisection"]);
  }

  html += ChartSections(measurements, judgements);
  html += CollectiveTables(report);
  html += NodesSection(report);
  html += StepsSection(report);
  html += fmt::format(R"(<p class="note">Kiln {} · run {} · suite sha256 {} · baseline sha256 {}{}</p>)",
                      E(report.at("kiln").value("version", "")), E(run.value("id", "")),
                      E(report.at("suite").value("sha256", "")), E(report.at("baseline").value("sha256", "")),
                      report.value("previous_report_sha256", json()).is_string()
                          ? " · previous report sha256 " + E(report["previous_report_sha256"].get<std::string>())
                          : "");
  return html + "</body></html>\n";
}

}  // namespace kiln
