#include "history/stability.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "history/stability_risk.hpp"
#include "reports/html_escape.hpp"
#include "reports/printable.hpp"
#include "reports/report.hpp"

namespace kiln {

using nlohmann::json;

namespace {

// A sweep found nothing against the cluster: a pass or partial pass, or nothing either way (contended
// measurements, nothing judged).
bool Healthy(RunOutcome outcome) { return outcome != RunOutcome::kFail && outcome != RunOutcome::kError; }

// Nothing spoke against the node: passed, warned or skipped.
bool Healthy(Outcome outcome) {
  return outcome == Outcome::kPass || outcome == Outcome::kWarn || outcome == Outcome::kSkipped;
}

}  // namespace

json HistorySeries(const HistoryDb& db, const HistoryQuery& query) {
  std::vector<HistoryDb::Value> values = db.Values(query.since, query.until, query.subject_glob, query.series_glob);
  std::vector<HistoryDb::Sweep> sweeps = db.Sweeps(query.since, query.until);
  std::string origin = sweeps.empty() ? "" : sweeps.front().finished;
  json out = json::array();
  for (std::size_t i = 0; i < values.size();) {
    std::size_t j = i;
    std::vector<DriftPoint> points;
    json list = json::array();
    while (j < values.size() && values[j].subject == values[i].subject && values[j].series == values[i].series) {
      points.push_back({DaysBetween(origin, values[j].finished), values[j].value});
      list.push_back({{"finished", values[j].finished}, {"value", values[j].value}});
      ++j;
    }
    DriftResult drift = DetectDrift(points, values[i].higher_is_better, query.drift);
    out.push_back({{"subject", values[i].subject},
                   {"series", values[i].series},
                   {"probe", values[i].probe},
                   {"unit", values[i].unit},
                   {"higher_is_better", values[i].higher_is_better},
                   {"points", list},
                   {"drift",
                    {{"drifting", drift.drifting},
                     {"relative_change", drift.relative_change},
                     {"slope_per_day", drift.slope_per_day},
                     {"kendall_tau", drift.kendall_tau},
                     {"reason", drift.reason}}}});
    i = j;
  }
  return json{{"series", out}};
}

std::string RenderHistoryText(const json& history, bool drift_only) {
  auto P = [](const std::string& t) { return Printable(t); };  // names and reasons come from nodes
  std::string text;
  int shown = 0, drifting = 0;
  for (const json& s : history.at("series")) {
    bool drift = s["drift"]["drifting"].get<bool>();
    drifting += drift ? 1 : 0;
    if (drift_only && !drift) continue;
    ++shown;
    text += fmt::format("{} {} ({}){}\n", P(s["subject"].get<std::string>()), P(s["series"].get<std::string>()),
                        P(s["unit"].get<std::string>()), drift ? "  DRIFT" : "");
    for (const json& p : s["points"]) {
      text += fmt::format("  {}  {:.6g}\n", P(p["finished"].get<std::string>()), p["value"].get<double>());
    }
    text += fmt::format("  {}\n", P(s["drift"]["reason"].get<std::string>()));
  }
  text += fmt::format("kiln: {} series shown, {} drifting\n", shown, drifting);
  return text;
}

namespace {

struct NodeStats {
  int seen = 0, healthy = 0, failing = 0, events = 0;
  std::string first_seen, last_seen, identity;
  bool was_failing = false;
  json replaced = json::array();
};

// Each node's sweeps in time order: how often healthy, failure events (healthy or new to failing), replacements.
std::map<std::string, NodeStats> TallyNodes(const std::vector<HistoryDb::NodeSweep>& node_sweeps) {
  std::map<std::string, NodeStats> nodes;
  for (const HistoryDb::NodeSweep& ns : node_sweeps) {
    NodeStats& n = nodes[ns.node];
    if (n.seen == 0) n.first_seen = ns.finished;
    n.last_seen = ns.finished;
    ++n.seen;
    bool healthy = Healthy(ns.outcome);
    n.healthy += healthy ? 1 : 0;
    n.failing += healthy ? 0 : 1;
    if (!healthy && !n.was_failing) ++n.events;
    n.was_failing = !healthy;
    if (!ns.identity.empty()) {
      if (!n.identity.empty() && ns.identity != n.identity) {
        n.replaced.push_back({{"at", ns.finished}, {"from", n.identity}, {"to", ns.identity}});
      }
      n.identity = ns.identity;
    }
  }
  return nodes;
}

// Failures by category: one per sweep, subject and category (a node failing three GPU metrics in one sweep is one
// GPU failure); and every failure as a row.
std::pair<json, json> CategorizeFailures(const std::vector<HistoryDb::Failure>& failures) {
  std::set<std::tuple<std::int64_t, std::string, std::string>> distinct;
  std::map<std::string, int> by_category;
  json failure_rows = json::array();
  for (const HistoryDb::Failure& f : failures) {
    if (distinct.insert({f.sweep, f.subject, f.category}).second) ++by_category[f.category];
    failure_rows.push_back({{"finished", f.finished}, {"subject", f.subject}, {"probe", f.probe}, {"series", f.series},
                            {"outcome", f.outcome}, {"category", f.category}, {"reason", f.reason}});
  }
  int categorized = 0;
  for (const auto& [c, n] : by_category) categorized += n;
  json categories = json::array();
  for (const auto& [c, n] : by_category) {
    categories.push_back({{"category", c}, {"failures", n}, {"share", categorized ? static_cast<double>(n) / categorized : 0}});
  }
  return {categories, failure_rows};
}

// The drifting series of the period.
json DriftTrends(const HistoryDb& db, const HistoryQuery& query) {
  json trends = json::array();
  const json history = HistorySeries(db, query);  // named: a loop over a temporary's member would dangle
  for (const json& s : history.at("series")) {
    if (s["drift"]["drifting"].get<bool>()) {
      trends.push_back({{"subject", s["subject"]}, {"series", s["series"]}, {"unit", s["unit"]},
                        {"first", s["points"].front()["value"]}, {"last", s["points"].back()["value"]},
                        {"drift", s["drift"]}});
    }
  }
  return trends;
}

}  // namespace

json BuildStabilityReport(const HistoryDb& db, const HistoryQuery& query, const json& alerts) {
  std::vector<HistoryDb::Sweep> sweeps = db.Sweeps(query.since, query.until);
  std::vector<HistoryDb::NodeSweep> node_sweeps = db.NodeSweeps(query.since, query.until);
  std::vector<HistoryDb::Failure> failures = db.Failures(query.since, query.until);

  std::map<std::string, NodeStats> nodes = TallyNodes(node_sweeps);
  json node_rows = json::array();
  json replaced = json::array();
  double node_hours = 0, availability_sum = 0;
  int events = 0;
  for (const auto& [name, n] : nodes) {
    double hours = 24 * DaysBetween(n.first_seen, n.last_seen);
    node_hours += hours;
    events += n.events;
    double availability = n.seen ? static_cast<double>(n.healthy) / n.seen : 0;
    availability_sum += availability;
    node_rows.push_back({{"node", name},
                         {"sweeps", n.seen},
                         {"healthy_sweeps", n.healthy},
                         {"availability", availability},
                         {"failure_events", n.events},
                         {"observed_hours", hours},
                         {"mtbf_hours", n.events ? json(hours / n.events) : json(nullptr)},
                         {"first_seen", n.first_seen},
                         {"last_seen", n.last_seen},
                         {"replacements", n.replaced}});
    for (const json& r : n.replaced) {
      json row = r;
      row["node"] = name;
      replaced.push_back(row);
    }
  }
  auto [categories, failure_rows] = CategorizeFailures(failures);
  json trends = DriftTrends(db, query);
  json sweep_rows = json::array();
  int healthy_sweeps = 0;
  for (const HistoryDb::Sweep& s : sweeps) {
    healthy_sweeps += Healthy(s.outcome) ? 1 : 0;
    sweep_rows.push_back({{"finished", s.finished}, {"cluster", s.cluster}, {"suite", s.suite}, {"outcome", s.outcome},
                          {"sha256", s.sha256}});
  }
  std::set<std::string> clusters;
  for (const HistoryDb::Sweep& s : sweeps) clusters.insert(s.cluster);
  return json{
      {"schema", kStabilitySchema},
      {"generated", UtcNow()},
      {"period",
       {{"since", query.since.empty() ? json(nullptr) : json(query.since)},
        {"until", query.until.empty() ? json(nullptr) : json(query.until)},
        {"first_sweep", sweeps.empty() ? json(nullptr) : json(sweeps.front().finished)},
        {"last_sweep", sweeps.empty() ? json(nullptr) : json(sweeps.back().finished)}}},
      {"clusters", clusters},
      {"fleet",
       {{"sweeps", sweeps.size()},
        {"healthy_sweeps", healthy_sweeps},
        {"nodes", nodes.size()},
        {"mean_availability", nodes.empty() ? json(nullptr) : json(availability_sum / static_cast<double>(nodes.size()))},
        {"node_hours", node_hours},
        {"failure_events", events},
        {"mtbf_hours", events ? json(node_hours / events) : json(nullptr)},
        {"mtbf_note", events ? "node-hours observed / failure events (a node going from healthy to failing)"
                             : fmt::format("no failure event in {:.1f} node-hours", node_hours)},
        {"nodes_replaced", replaced.size()}}},
      {"nodes", node_rows},
      {"failures_by_category", categories},
      {"replacements", replaced},
      {"trends", trends},
      {"at_risk", NodesAtRisk(alerts)},
      {"failures", failure_rows},
      {"sweeps", sweep_rows},
      {"method",
       "availability: share of a node's sweeps in which nothing about it failed; failures of a pair count against a "
       "node failing with two or more partners; drift: Theil-Sen trend with Kendall's tau over the period; at risk: "
       "kiln predict's rules over the period's values (a GPU's or link's bandwidth low against its own past and "
       "the fleet's in 2 of 3 sweeps)"}};
}

std::string RenderStabilityText(const json& s) {
  auto P = [](const std::string& t) { return Printable(t); };  // names and reasons come from nodes
  const json& fleet = s.at("fleet");
  std::string text = fmt::format(
      "Kiln stability {} .. {}: {} sweep(s) of {} node(s), {} healthy\n",
      s["period"]["first_sweep"].is_null() ? "-" : P(s["period"]["first_sweep"].get<std::string>()),
      s["period"]["last_sweep"].is_null() ? "-" : P(s["period"]["last_sweep"].get<std::string>()),
      fleet["sweeps"].get<int>(), fleet["nodes"].get<int>(), fleet["healthy_sweeps"].get<int>());
  text += fmt::format("mean availability {}; MTBF {}; failure events {}; nodes replaced {}\n",
                      fleet["mean_availability"].is_null() ? "-" : fmt::format("{:.1f}%", 100 * fleet["mean_availability"].get<double>()),
                      fleet["mtbf_hours"].is_null() ? P(fleet["mtbf_note"].get<std::string>())
                                                    : fmt::format("{:.1f} h", fleet["mtbf_hours"].get<double>()),
                      fleet["failure_events"].get<int>(), fleet["nodes_replaced"].get<int>());
  text += "node                 sweeps  available  events  replaced\n";
  for (const json& n : s["nodes"]) {
    text += fmt::format("{:<20} {:>6}  {:>8.1f}%  {:>6}  {:>8}\n", P(n["node"].get<std::string>()), n["sweeps"].get<int>(),
                        100 * n["availability"].get<double>(), n["failure_events"].get<int>(), n["replacements"].size());
  }
  for (const json& c : s["failures_by_category"]) {
    text += fmt::format("failures: {:<24} {:>4} ({:.0f}%)\n", P(c["category"].get<std::string>()), c["failures"].get<int>(),
                        100 * c["share"].get<double>());
  }
  for (const json& t : s["trends"]) {
    text += fmt::format("drift: {} {}: {:.4g} -> {:.4g} {} ({})\n", P(t["subject"].get<std::string>()),
                        P(t["series"].get<std::string>()), t["first"].get<double>(), t["last"].get<double>(),
                        P(t["unit"].get<std::string>()), P(t["drift"]["reason"].get<std::string>()));
  }
  if (s.contains("at_risk")) text += RenderAtRiskText(s["at_risk"]);
  return text;
}

std::string RenderStabilityHtml(const json& s) {
  auto E = [](const std::string& text) { return EscapeHtml(text); };
  const json& fleet = s.at("fleet");
  std::string html = R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Kiln stability report</title>)"
                     R"(<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse})"
                     R"(td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.bad{color:#b00}.note{color:#555}</style>)"
                     R"(</head><body><h1>Kiln stability report</h1>)";
  html += fmt::format(R"(<p class="note">{} sweep(s) from {} to {}; {} node(s). {}</p>)", fleet["sweeps"].get<int>(),
                      E(s["period"]["first_sweep"].is_null() ? "-" : s["period"]["first_sweep"].get<std::string>()),
                      E(s["period"]["last_sweep"].is_null() ? "-" : s["period"]["last_sweep"].get<std::string>()),
                      fleet["nodes"].get<int>(), E(s["method"].get<std::string>()));
  html += fmt::format("<p>Mean availability <b>{}</b>; MTBF <b>{}</b>; failure events <b>{}</b>; nodes replaced <b>{}</b>.</p>",
                      fleet["mean_availability"].is_null() ? "-" : fmt::format("{:.1f}%", 100 * fleet["mean_availability"].get<double>()),
                      E(fleet["mtbf_hours"].is_null() ? fleet["mtbf_note"].get<std::string>()
                                                      : fmt::format("{:.1f} h", fleet["mtbf_hours"].get<double>())),
                      fleet["failure_events"].get<int>(), fleet["nodes_replaced"].get<int>());
  html += "<h2>Availability per node</h2><table><tr><th>node</th><th>sweeps</th><th>healthy</th><th>availability</th>"
          "<th>failure events</th><th>MTBF (h)</th><th>replaced</th></tr>";
  for (const json& n : s["nodes"]) {
    double a = n["availability"].get<double>();
    html += fmt::format(R"(<tr><td>{}</td><td>{}</td><td>{}</td><td class="{}">{:.1f}%</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
                        E(n["node"].get<std::string>()), n["sweeps"].get<int>(), n["healthy_sweeps"].get<int>(),
                        a < 1 ? "bad" : "", 100 * a, n["failure_events"].get<int>(),
                        n["mtbf_hours"].is_null() ? "-" : fmt::format("{:.1f}", n["mtbf_hours"].get<double>()),
                        n["replacements"].size());
  }
  html += "</table><h2>Failures by category</h2><table><tr><th>category</th><th>failures</th><th>share</th></tr>";
  for (const json& c : s["failures_by_category"]) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.0f}%</td></tr>", E(c["category"].get<std::string>()),
                        c["failures"].get<int>(), 100 * c["share"].get<double>());
  }
  if (s["failures_by_category"].empty()) html += R"(<tr><td colspan="3">no failures</td></tr>)";
  html += "</table>";
  if (s.contains("at_risk")) html += RenderAtRiskHtml(s["at_risk"]);
  html += "<h2>Trends (drift)</h2><table><tr><th>subject</th><th>series</th><th>first</th><th>last</th><th>why</th></tr>";
  for (const json& t : s["trends"]) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.4g} {}</td><td>{:.4g}</td><td>{}</td></tr>",
                        E(t["subject"].get<std::string>()), E(t["series"].get<std::string>()), t["first"].get<double>(),
                        E(t["unit"].get<std::string>()), t["last"].get<double>(), E(t["drift"]["reason"].get<std::string>()));
  }
  if (s["trends"].empty()) html += R"(<tr><td colspan="5">no series drifts</td></tr>)";
  html += "</table><h2>Nodes replaced</h2><table><tr><th>node</th><th>at</th><th>identity before</th><th>after</th></tr>";
  for (const json& r : s["replacements"]) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", E(r["node"].get<std::string>()),
                        E(r["at"].get<std::string>()), E(r["from"].get<std::string>()), E(r["to"].get<std::string>()));
  }
  html += "</table><h2>Failures</h2><table><tr><th>when</th><th>subject</th><th>category</th><th>probe</th><th>why</th></tr>";
  for (const json& f : s["failures"]) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", E(f["finished"].get<std::string>()),
                        E(f["subject"].get<std::string>()), E(f["category"].get<std::string>()),
                        E(f["probe"].get<std::string>()), E(f["reason"].get<std::string>()));
  }
  html += "</table></body></html>\n";
  return html;
}

}  // namespace kiln
