#include "history/stability_risk.hpp"

#include <fmt/format.h>

#include <ctime>
#include <map>

#include "reports/html_escape.hpp"
#include "reports/printable.hpp"

namespace kiln {
namespace {

using nlohmann::json;

std::string IsoTime(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// {"device": "gpu0", "gpu": "0"} -> "device=gpu0,gpu=0" (the labels in name order, as the predictor names devices)
std::string DeviceOf(const json& labels) {
  std::string device;
  if (!labels.is_object()) return device;
  for (const auto& [key, value] : labels.items()) {
    device += fmt::format("{}{}={}", device.empty() ? "" : ",", key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return device;
}

}  // namespace

json NodesAtRisk(const json& alerts) {
  std::map<std::string, std::map<std::string, json>> nodes;  // node -> rule|device|metric -> row
  for (const json& a : alerts) {
    std::string when = IsoTime(a.at("t").get<std::int64_t>());
    std::string device = DeviceOf(a.value("labels", json::object()));
    const json evidence = a.value("evidence", json::object());
    std::string metric = evidence.is_object() ? evidence.value("metric", "") : "";
    json& row = nodes[a.at("node").get<std::string>()][a.value("rule", "") + '|' + device + '|' + metric];
    if (row.is_null()) {
      row = {{"device", device}, {"risk", a.value("risk", "")}, {"rule", a.value("rule", "")}, {"first", when},
             {"alerts", 0}};
    }
    row["last"] = when;  // alerts come in time order: the latest reason and evidence win
    row["alerts"] = row["alerts"].get<int>() + 1;
    row["reason"] = a.value("reason", "");
    row["evidence"] = evidence;
  }
  json out = json::array();
  for (const auto& [node, devices] : nodes) {
    json rows = json::array();
    std::string first, last;
    int count = 0;
    for (const auto& [key, row] : devices) {
      rows.push_back(row);
      std::string f = row["first"], l = row["last"];
      if (first.empty() || f < first) first = f;
      if (l > last) last = l;
      count += row["alerts"].get<int>();
    }
    out.push_back({{"node", node}, {"first", first}, {"last", last}, {"alerts", count}, {"devices", rows}});
  }
  return out;
}

std::string RenderAtRiskText(const json& at_risk) {
  auto P = [](const std::string& t) { return Printable(t); };  // names and reasons come from nodes
  std::string text = fmt::format("nodes at risk: {}\n", at_risk.size());
  for (const json& n : at_risk) {
    for (const json& d : n["devices"]) {
      text += fmt::format("at risk: {} {} ({}, {}): {} .. {}, {} alert(s): {}\n", P(n["node"].get<std::string>()),
                          P(d["device"].get<std::string>()), P(d["risk"].get<std::string>()),
                          P(d["rule"].get<std::string>()), P(d["first"].get<std::string>()),
                          P(d["last"].get<std::string>()), d["alerts"].get<int>(), P(d["reason"].get<std::string>()));
    }
  }
  return text;
}

std::string RenderAtRiskHtml(const json& at_risk) {
  auto E = [](const std::string& text) { return EscapeHtml(text); };
  std::string html = "<h2>Nodes at risk</h2><table><tr><th>node</th><th>device</th><th>risk</th><th>rule</th>"
                     "<th>first alert</th><th>last alert</th><th>alerts</th><th>evidence</th></tr>";
  for (const json& n : at_risk) {
    for (const json& d : n["devices"]) {
      html += fmt::format(R"(<tr><td class="bad">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
                          E(n["node"].get<std::string>()), E(d["device"].get<std::string>()), E(d["risk"].get<std::string>()),
                          E(d["rule"].get<std::string>()), E(d["first"].get<std::string>()), E(d["last"].get<std::string>()),
                          d["alerts"].get<int>(), E(d["reason"].get<std::string>()));
    }
  }
  if (at_risk.empty()) html += R"(<tr><td colspan="8">no node at risk</td></tr>)";
  return html + "</table>";
}

}  // namespace kiln
