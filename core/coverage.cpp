#include "core/coverage.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace kiln {

namespace {

constexpr std::string_view kGapStart = "node ";
constexpr std::string_view kGapEnd = " not covered";

std::string GpuGap(const NodeRankCount& node) {
  int missing = node.gpus - node.ranks;
  return fmt::format("{}{} has {} GPUs, {} rank{}: {} GPU{}{}", kGapStart, node.node, node.gpus, node.ranks,
                     node.ranks == 1 ? "" : "s", missing, missing == 1 ? "" : "s", kGapEnd);
}

}  // namespace

std::string Coverage::Describe() const {
  std::string text = fmt::format("{} of {} acceptance rule{} judged", judged, required, required == 1 ? "" : "s");
  for (const std::string& gap : gpus_not_covered) text += "; " + gap;
  return text;
}

void MarkGpusNotCovered(std::vector<Verdict>& verdicts, const std::vector<NodeRankCount>& nodes,
                        const std::vector<std::string>& gpu_per_rank_probes) {
  std::map<std::string, std::string> gaps;  // node -> why
  for (const NodeRankCount& node : nodes) {
    if (node.ranks > 0 && node.gpus > node.ranks) gaps[node.node] = GpuGap(node);
  }
  if (gaps.empty()) return;
  for (Verdict& v : verdicts) {
    // A number measured on some of the node's GPUs says nothing of the rule over all of them, passed or failed.
    bool judged = v.outcome == Outcome::kPass || v.outcome == Outcome::kWarn || v.outcome == Outcome::kFail;
    bool gpu_rule = !v.rule_id.empty() && std::find(gpu_per_rank_probes.begin(), gpu_per_rank_probes.end(),
                                                     v.probe) != gpu_per_rank_probes.end();
    if (!judged || !gpu_rule) continue;
    for (const std::string& node : v.subject.nodes) {
      auto gap = gaps.find(node);
      if (gap == gaps.end()) continue;
      v = NotJudgedVerdict(v.probe, v.metric, v.series, v.subject, v.rule, v.source, v.rule_id, gap->second);
      break;
    }
  }
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
    std::string why = v.reason.substr(std::min(v.reason.size(), std::string_view("not judged: ").size()));
    if (v.reason.starts_with("not judged: ") && why.starts_with(kGapStart) && why.ends_with(kGapEnd) &&
        std::find(coverage.gpus_not_covered.begin(), coverage.gpus_not_covered.end(), why) ==
            coverage.gpus_not_covered.end()) {
      coverage.gpus_not_covered.push_back(why);
    }
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
                     {"complete", coverage.Complete()}, {"not_judged", missing},
                     {"gpus_not_covered", coverage.gpus_not_covered}};
}

}  // namespace kiln
