#include "predict/predict_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "reports/html_escape.hpp"

namespace kiln::predict {
namespace {

struct NodeRisk {
  std::int64_t first = 0, last = 0;
  int alerts = 0;
  std::map<std::string, const Alert*> latest_by_rule;  // rule + device -> its latest alert
  std::set<std::string> risks;
};

std::map<std::string, NodeRisk> ByNode(const std::vector<Alert>& alerts) {
  std::map<std::string, NodeRisk> nodes;
  for (const Alert& alert : alerts) {
    NodeRisk& risk = nodes[alert.node];
    if (risk.alerts++ == 0) risk.first = alert.t;
    risk.last = alert.t;
    risk.latest_by_rule[alert.rule + (alert.device.empty() ? "" : " " + alert.device)] = &alert;
    risk.risks.insert(alert.risk);
  }
  return nodes;
}

std::string Number(double x, const char* format = "{:.3f}") {
  return std::isnan(x) ? "n/a" : fmt::format(fmt::runtime(format), x);
}

std::string Risks(const NodeRisk& risk) {
  std::string text;
  for (const std::string& r : risk.risks) text += (text.empty() ? "" : ",") + r;
  return text;
}

}  // namespace

std::string RenderScoreLine(const Score& score) {
  return fmt::format(
      "precision {} ({} of {} episodes right), recall {} of failures with precursors ({} of {}), {} of all "
      "({} of {}), median lead {} h",
      Number(score.precision()), score.right_episodes, score.episodes.size(), Number(score.recall()),
      score.caught_predictable, score.predictable, Number(score.recall_all()), score.caught, score.failures,
      Number(score.median_lead_hours(), "{:.1f}"));
}

std::string RenderPredictText(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score) {
  std::map<std::string, NodeRisk> nodes = ByNode(alerts);
  std::string text = fmt::format("kiln predict: {} ({} samples of {} series on {} nodes, {} lines ignored)\n",
                                 replay.path, replay.samples, replay.series, replay.nodes, replay.ignored_lines);
  text += fmt::format("{} alerts on {} nodes\n", alerts.size(), nodes.size());
  if (score) text += "score: " + RenderScoreLine(*score) + "\n";
  for (const auto& [node, risk] : nodes) {
    text += fmt::format("\n{}  {}  alerts {}  first t={}  last t={}\n", node, Risks(risk), risk.alerts, risk.first,
                        risk.last);
    for (const auto& [rule, alert] : risk.latest_by_rule) text += fmt::format("  {}: {}\n", rule, alert->reason);
  }
  if (score && !score->missed.empty()) {
    text += "\nmissed failures with precursors:\n";
    for (const std::string& missed : score->missed) text += "  " + missed + "\n";
  }
  return text;
}

std::string RenderPredictHtml(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score) {
  std::map<std::string, NodeRisk> nodes = ByNode(alerts);
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kiln predict</title><style>"
                     "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                     "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
                     ".gpu{color:#a40}.link{color:#04a}</style></head><body>\n";
  html += fmt::format("<h1>Early warning</h1>\n<p>{}: {} samples of {} series on {} nodes; {} alerts on {} nodes.</p>\n",
                      EscapeHtml(replay.path), replay.samples, replay.series, replay.nodes, alerts.size(), nodes.size());
  if (score) html += "<p><b>Score</b>: " + EscapeHtml(RenderScoreLine(*score)) + "</p>\n";
  html += "<table><tr><th>node</th><th>risk</th><th>alerts</th><th>first</th><th>last</th><th>evidence</th></tr>\n";
  for (const auto& [node, risk] : nodes) {
    std::string evidence;
    for (const auto& [rule, alert] : risk.latest_by_rule) {
      evidence += fmt::format("<div class=\"{}\"><b>{}</b>: {}</div>", EscapeHtml(alert->risk), EscapeHtml(rule),
                              EscapeHtml(alert->reason));
    }
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        EscapeHtml(node), EscapeHtml(Risks(risk)), risk.alerts, risk.first, risk.last, evidence);
  }
  return html + "</table>\n</body></html>\n";
}

}  // namespace kiln::predict
