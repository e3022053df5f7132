#include "predict/predict_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "reports/html_escape.hpp"
#include "reports/printable.hpp"

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

// A small line chart of one series, the node's alerts as red ticks.
std::string Sparkline(const EvidenceSeries& series, const std::vector<Alert>& alerts) {
  constexpr double kWidth = 420, kHeight = 70;
  std::int64_t t0 = series.points.front().first, t1 = series.points.back().first;
  double lo = series.points.front().second, hi = lo;
  for (const auto& point : series.points) lo = std::min(lo, point.second), hi = std::max(hi, point.second);
  auto x = [&](std::int64_t t) {
    return t1 == t0 ? 0.0 : kWidth * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  };
  auto y = [&](double v) { return hi == lo ? kHeight / 2 : kHeight - 4 - (kHeight - 8) * (v - lo) / (hi - lo); };
  std::string path;
  for (const auto& [t, v] : series.points) path += fmt::format("{:.1f},{:.1f} ", x(t), y(v));
  std::string svg = fmt::format("<div>{} {} ({:g} .. {:g})<br><svg width=\"{}\" height=\"{}\" role=\"img\">",
                                EscapeHtml(series.metric), EscapeHtml(series.device), lo, hi, kWidth, kHeight);
  svg += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#ddd\"/>", kWidth, kHeight);
  for (const Alert& alert : alerts) {
    if (alert.node != series.node || alert.t < t0 || alert.t > t1) continue;
    svg +=
        fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"0\" y2=\"{1}\" stroke=\"#d00\"/>", x(alert.t), kHeight);
  }
  return svg + fmt::format("<polyline fill=\"none\" stroke=\"#036\" points=\"{}\"/></svg></div>", path);
}

}  // namespace

std::vector<EvidenceSeries> CollectEvidence(const Replay& replay, const std::vector<Alert>& alerts) {
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> wanted;
  std::vector<EvidenceSeries> evidence;
  for (const Alert& alert : alerts) {
    std::string metric = alert.evidence.value("metric", "");
    auto key = std::make_tuple(alert.node, metric, alert.device);
    if (metric.empty() || wanted.count(key)) continue;
    wanted[key] = evidence.size();
    evidence.push_back({alert.node, metric, alert.device, {}});
  }
  std::vector<std::ptrdiff_t> index(replay.series().size(), -1);
  for (std::size_t i = 0; i < replay.series().size(); ++i) {
    const SeriesKey& key = replay.series()[i];
    auto it = wanted.find(std::make_tuple(key.node, key.metric, key.device));
    if (it != wanted.end()) index[i] = static_cast<std::ptrdiff_t>(it->second);
  }
  for (const Sample& sample : replay.samples()) {
    if (index[sample.series] >= 0) evidence[index[sample.series]].points.emplace_back(sample.t, sample.value);
  }
  return evidence;
}

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
  return Printable(text, true);  // node names and paths as given: `cat predict.txt` must not command a terminal
}

std::string RenderPredictHtml(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score,
                              const std::vector<EvidenceSeries>& evidence) {
  std::map<std::string, NodeRisk> nodes = ByNode(alerts);
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kiln predict</title><style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
      ".gpu{color:#a40}.link{color:#04a}</style></head><body>\n";
  html +=
      fmt::format("<h1>Early warning</h1>\n<p>{}: {} samples of {} series on {} nodes; {} alerts on {} nodes.</p>\n",
                  EscapeHtml(Printable(replay.path, false)), replay.samples, replay.series, replay.nodes,
                  alerts.size(), nodes.size());
  if (score) html += "<p><b>Score</b>: " + EscapeHtml(RenderScoreLine(*score)) + "</p>\n";
  html += "<table><tr><th>node</th><th>risk</th><th>alerts</th><th>first</th><th>last</th><th>evidence</th></tr>\n";
  for (const auto& [node, risk] : nodes) {
    std::string cell;
    for (const auto& [rule, alert] : risk.latest_by_rule) {
      cell += fmt::format("<div class=\"{}\"><b>{}</b>: {}</div>", EscapeHtml(alert->risk), EscapeHtml(rule),
                          EscapeHtml(alert->reason));
    }
    for (const EvidenceSeries& series : evidence) {
      if (series.node == node && !series.points.empty()) cell += Sparkline(series, alerts);
    }
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        EscapeHtml(Printable(node, false)), EscapeHtml(Risks(risk)), risk.alerts, risk.first,
                        risk.last, cell);
  }
  return html + "</table>\n</body></html>\n";
}

}  // namespace kiln::predict
