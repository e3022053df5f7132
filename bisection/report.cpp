#include "bisection/report.hpp"

#include <fmt/format.h>

namespace kiln {

const std::string& StageProbes::For(TrialKind kind) const {
  switch (kind) {
    case TrialKind::kNode: return node;
    case TrialKind::kPair: return pair;
    case TrialKind::kGroup: return group;
  }
  return group;
}

namespace {

std::vector<std::string> NamesOf(const std::vector<int>& nodes, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(nodes.size());
  for (int n : nodes) out.push_back(names[static_cast<std::size_t>(n)]);
  return out;
}

Subject SubjectOf(const Finding& f, const std::vector<std::string>& names) {
  if (f.kind == FindingKind::kLink) {
    return Subject::Pair(names[static_cast<std::size_t>(f.members[0])], names[static_cast<std::size_t>(f.members[1])]);
  }
  if (f.members.size() == 1) return Subject::Node(names[static_cast<std::size_t>(f.members[0])]);
  return Subject::Group(f.members.empty() ? names : NamesOf(f.members, names));
}

}  // namespace

nlohmann::json BisectionSection(const BisectResult& result, const std::vector<std::string>& names,
                                const StageProbes& probes, bool simulated) {
  using nlohmann::json;
  json findings = json::array();
  for (const Finding& f : result.findings) {
    findings.push_back({{"kind", ToString(f.kind)}, {"subject", SubjectOf(f, names)}, {"stage", f.stage},
                        {"reason", f.reason}, {"rounds", f.rounds}});
  }
  json rounds = json::array();
  for (const RoundRecord& round : result.rounds) {
    json trials = json::array();
    for (std::size_t i = 0; i < round.trials.size(); ++i) {
      const Trial& t = round.trials[i];
      const TrialResult& r = round.results[i];
      std::vector<int> tested(t.members.begin(), t.members.begin() + t.under_test);
      std::vector<int> padding(t.members.begin() + t.under_test, t.members.end());
      trials.push_back({{"kind", ToString(t.kind)},
                        {"probe", probes.For(t.kind)},
                        {"nodes", NamesOf(tested, names)},
                        {"padding", NamesOf(padding, names)},
                        {"outcome", ToString(r.outcome)},
                        {"metric", r.metric},
                        {"value", r.value ? json(*r.value) : json(nullptr)},
                        {"unit", r.unit},
                        {"reason", r.reason},
                        {"seconds", r.seconds}});
    }
    rounds.push_back({{"index", round.index}, {"stage", round.stage}, {"conclusion", round.conclusion},
                      {"trials", trials}});
  }
  return json{{"simulated", simulated},
              {"nodes", names.size()},
              {"probes", {{"node", probes.node}, {"pair", probes.pair}, {"group", probes.group}}},
              {"rounds_used", result.rounds.size()},
              {"tests_used", result.tests},
              {"group_failed", result.group_failed},
              {"resolved", result.resolved},
              {"conclusion", result.conclusion},
              {"findings", findings},
              {"rounds", rounds}};
}

std::vector<Verdict> BisectionVerdicts(const BisectResult& result, const std::vector<std::string>& names,
                                       const StageProbes& probes) {
  std::vector<Verdict> verdicts;
  std::vector<char> implicated(names.size(), 0);
  for (const Finding& f : result.findings) {
    Verdict v;
    v.probe = f.stage == "node" ? probes.node : f.stage == "pair" ? probes.pair : probes.group;
    if (v.probe.empty()) v.probe = "bisect";
    v.subject = SubjectOf(f, names);
    v.rule = "bisection";
    v.reason = f.reason;
    if (f.kind == FindingKind::kUnresolved) {
      v.outcome = f.members.empty() ? Outcome::kError : Outcome::kWarn;
    } else {
      v.outcome = Outcome::kFail;
    }
    for (int n : f.members) implicated[static_cast<std::size_t>(n)] = 1;
    verdicts.push_back(std::move(v));
  }
  for (std::size_t n = 0; n < names.size(); ++n) {
    if (implicated[n]) continue;
    Verdict v;
    v.probe = "bisect";
    v.subject = Subject::Node(names[n]);
    v.rule = "bisection";
    v.outcome = Outcome::kPass;
    v.reason = fmt::format("not implicated in {} round(s)", result.rounds.size());
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

}  // namespace kiln
