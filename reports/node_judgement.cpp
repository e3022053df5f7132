#include "reports/node_judgement.hpp"

#include <fmt/format.h>

#include <set>
#include <vector>

namespace kiln {
namespace {

std::string Describe(const Verdict& v) {
  std::string what = v.series.empty() ? (v.metric.empty() ? v.probe : v.metric) : v.series;
  std::string text = fmt::format("{} on {}: {}", what, v.subject.Key(), v.reason);
  if (!v.source.empty()) text += fmt::format(" [{}]", v.source);
  return text;
}

void Raise(NodeJudgement& j, const Verdict& v) {
  if (v.outcome > j.outcome) {
    j.outcome = v.outcome;
    j.reason = IsFailure(v.outcome) || v.outcome == Outcome::kWarn ? Describe(v) : "";
  }
}

}  // namespace

std::map<std::string, NodeJudgement> JudgeNodes(const nlohmann::json& report) {
  std::map<std::string, NodeJudgement> nodes;
  for (const auto& node : report.at("cluster").at("nodes")) nodes[node.value("name", "")] = {};
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  std::map<std::string, std::set<std::string>> failing_partners;
  std::map<std::string, const Verdict*> worst_pair;
  for (const Verdict& v : verdicts) {
    if (v.outcome == Outcome::kSkipped || v.subject.nodes.empty()) continue;
    if (v.subject.kind == SubjectKind::kNode || v.subject.kind == SubjectKind::kDevice) {
      Raise(nodes[v.subject.nodes[0]], v);
    } else if (v.subject.kind == SubjectKind::kPair && IsFailure(v.outcome) && v.subject.nodes.size() == 2) {
      for (int end = 0; end < 2; ++end) {
        const std::string& node = v.subject.nodes[static_cast<std::size_t>(end)];
        failing_partners[node].insert(v.subject.nodes[static_cast<std::size_t>(1 - end)]);
        const Verdict*& worst = worst_pair[node];
        if (worst == nullptr || v.outcome > worst->outcome) worst = &v;
      }
    }
  }
  for (const auto& [node, partners] : failing_partners) {
    if (partners.size() >= 2) Raise(nodes[node], *worst_pair[node]);
  }
  return nodes;
}

}  // namespace kiln
