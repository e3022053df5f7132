#include "core/coverage.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <map>

namespace kiln {

std::string Coverage::Describe() const {
  return fmt::format("{} of {} acceptance rule{} judged", judged, required, required == 1 ? "" : "s");
}

Coverage CoverageOf(const std::vector<Verdict>& verdicts) {
  struct Tally {
    bool applies = false;
    const Verdict* unjudged = nullptr;
    int unjudged_subjects = 0;
  };
  std::map<std::string, Tally> rules;
  std::vector<std::string> order;
  for (const Verdict& v : verdicts) {
    if (v.rule_id.empty()) continue;
    auto [it, inserted] = rules.try_emplace(v.rule_id);
    if (inserted) order.push_back(v.rule_id);
    Tally& tally = it->second;
    if (v.outcome == Outcome::kNotApplicable) continue;
    tally.applies = true;
    if (v.outcome == Outcome::kSkipped) {
      if (!tally.unjudged) tally.unjudged = &v;
      ++tally.unjudged_subjects;
    }
  }
  Coverage coverage;
  for (const std::string& id : order) {
    const Tally& tally = rules.at(id);
    if (!tally.applies) continue;
    ++coverage.required;
    if (!tally.unjudged) {
      ++coverage.judged;
      continue;
    }
    const Verdict& v = *tally.unjudged;
    coverage.not_judged.push_back({id, v.series, v.rule, v.reason, tally.unjudged_subjects});
  }
  return coverage;
}

Verdict NotJudgedVerdict(std::string probe, std::string metric, std::string series, const Subject& subject,
                         std::string rule, std::string source, std::string rule_id, std::string why) {
  Verdict v;
  v.probe = std::move(probe);
  v.metric = std::move(metric);
  v.series = std::move(series);
  v.subject = subject;
  v.outcome = Outcome::kSkipped;
  v.rule = std::move(rule);
  v.source = std::move(source);
  v.rule_id = std::move(rule_id);
  v.reason = "not judged: " + why;
  return v;
}

void to_json(nlohmann::json& j, const Coverage& coverage) {
  nlohmann::json missing = nlohmann::json::array();
  for (const UnjudgedRule& r : coverage.not_judged) {
    missing.push_back({{"rule_id", r.rule_id}, {"series", r.series}, {"rule", r.rule}, {"reason", r.reason},
                       {"subjects", r.subjects}});
  }
  j = nlohmann::json{{"required", coverage.required}, {"judged", coverage.judged},
                     {"complete", coverage.Complete()}, {"not_judged", missing}};
}

}  // namespace kiln
