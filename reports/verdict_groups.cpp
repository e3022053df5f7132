#include "reports/verdict_groups.hpp"

#include <fmt/format.h>

#include <map>

namespace kiln {

std::string VerdictGroup::WorstReasons() const {
  std::string text;
  for (const Verdict& v : verdicts) {
    if (v.outcome != worst) continue;
    std::string what = v.metric.empty() ? "" : v.series + ": ";
    text += fmt::format("{}{}{}{}", text.empty() ? "" : "\n", what, v.reason,
                        v.source.empty() ? "" : fmt::format(" [{}]", v.source));
    if (!v.cause.empty()) text += fmt::format("\n  cause: {}", v.cause);
  }
  return text;
}

std::vector<VerdictGroup> GroupVerdicts(const nlohmann::json& report) {
  std::vector<VerdictGroup> groups;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const Verdict& v : report.at("verdicts").get<std::vector<Verdict>>()) {
    auto key = std::make_pair(v.probe, v.subject.Key());
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({v.probe, v.subject, v.outcome, {}});
    VerdictGroup& g = groups[it->second];
    g.worst = Worst(g.worst, v.outcome);
    g.verdicts.push_back(v);
  }
  return groups;
}

}  // namespace kiln
