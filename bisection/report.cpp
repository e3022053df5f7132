#include "bisection/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/statistics.hpp"
#include "bisection/node_names.hpp"
#include "bisection/topology.hpp"

namespace kiln {

std::string StageProbes::For(TrialKind kind) const {
  switch (kind) {
    case TrialKind::kNode: return fmt::format("{}", fmt::join(node, "+"));
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

bool IsSwitch(const Finding& f) { return f.kind == FindingKind::kSwitch || f.kind == FindingKind::kUplink; }

// Where a finding sits in the tree: " (under leaf3)", " (leaf3 - leaf9)", "" without a topology.
std::string WhereInTree(const Finding& f, const Topology* topology) {
  if (topology == nullptr || IsSwitch(f) || f.members.empty() || f.members.size() > 2) return "";
  std::string a = topology->LeafName(f.members[0]);
  if (f.members.size() == 1) return a.empty() ? "" : fmt::format(" (under {})", a);
  std::string b = topology->LeafName(f.members[1]);
  if (a.empty() && b.empty()) return "";
  return a == b ? fmt::format(" (both under {})", a) : fmt::format(" ({} - {})", a.empty() ? "?" : a, b.empty() ? "?" : b);
}

std::string SwitchName(const Finding& f, const Topology* topology) {
  if (topology == nullptr || f.switch_index < 0) return fmt::format("leaf {}", f.switch_index);
  return topology->switches[static_cast<std::size_t>(f.switch_index)];
}

// A round's trials. In a round of more than kFoldAbove trials the passing ones are folded into one entry per
// probe and metric (how many, which nodes, the spread of their values), so that a 65,536-node search stays small;
// every trial that did not pass is listed on its own.
constexpr std::size_t kFoldAbove = 16;

nlohmann::json RoundTrials(const RoundRecord& round, const NodeNames& names, const StageProbes& probes) {
  using nlohmann::json;
  struct Fold {
    TrialKind kind;
    std::string metric, unit;
    std::vector<int> tested;
    std::vector<double> values;
    std::size_t trials = 0, padding = 0;
    double seconds = 0;
  };
  std::vector<Fold> folds;
  json trials = json::array();
  const bool fold = round.trials.size() > kFoldAbove;
  for (std::size_t i = 0; i < round.trials.size(); ++i) {
    const Trial& t = round.trials[i];
    const TrialResult& r = round.results[i];
    if (fold && r.outcome == TrialOutcome::kPass) {
      auto it = std::find_if(folds.begin(), folds.end(), [&](const Fold& f) {
        return f.kind == t.kind && f.metric == r.metric && f.unit == r.unit;
      });
      if (it == folds.end()) it = folds.insert(folds.end(), Fold{t.kind, r.metric, r.unit, {}, {}});
      it->tested.insert(it->tested.end(), t.members.begin(), t.members.begin() + t.under_test);
      if (r.value) it->values.push_back(*r.value);
      ++it->trials;
      it->padding += t.members.size() - static_cast<std::size_t>(t.under_test);
      it->seconds += r.seconds;
      continue;
    }
    json trial = TrialJson(t, r, names);
    trial["probe"] = probes.For(t.kind);
    trials.push_back(std::move(trial));
  }
  for (Fold& f : folds) {
    json values = nullptr;
    if (!f.values.empty()) {
      values = {{"min", *std::min_element(f.values.begin(), f.values.end())},
                {"median", Median(f.values)},
                {"max", *std::max_element(f.values.begin(), f.values.end())}};
    }
    trials.push_back({{"kind", ToString(f.kind)},
                      {"probe", probes.For(f.kind)},
                      {"trials", f.trials},
                      {"nodes", names.List(f.tested)},
                      {"padding_count", f.padding},
                      {"outcome", ToString(TrialOutcome::kPass)},
                      {"metric", f.metric},
                      {"values", values},
                      {"unit", f.unit},
                      {"seconds", f.seconds}});
  }
  return trials;
}

// An unresolved finding whose tests failed again after the named faults were set aside (the residual check), or
// that a topology stage could not pin to one switch or link, is a fault Kiln saw but could not name: the cluster
// fails. One that failed once and passed in other company (intermittent) stays a warning.
bool RepeatedFailure(const Finding& f) {
  return f.stage == "residual" || f.stage == "topology";
}

}  // namespace

nlohmann::json BisectionSection(const BisectResult& result, const std::vector<std::string>& names,
                                const StageProbes& probes, bool simulated, const Topology* topology) {
  using nlohmann::json;
  json findings = json::array();
  for (const Finding& f : result.findings) {
    json subject = SubjectOf(f, names);
    if (IsSwitch(f)) {
      // A group subject (what readers of reports know) naming the switch; its nodes are affected, not accused.
      subject["switch"] = SwitchName(f, topology);
      subject["affected"] = subject["nodes"];
    } else if (topology != nullptr && f.members.size() == 1) {
      subject["leaf"] = topology->LeafName(f.members[0]);
    } else if (topology != nullptr && f.kind == FindingKind::kLink) {
      subject["leaves"] = {topology->LeafName(f.members[0]), topology->LeafName(f.members[1])};
    }
    findings.push_back({{"kind", ToString(f.kind)}, {"subject", subject}, {"stage", f.stage},
                        {"reason", f.reason + WhereInTree(f, topology)}, {"rounds", f.rounds}});
  }
  json rounds = json::array();
  const NodeNames parsed(names);
  for (const RoundRecord& round : result.rounds) {
    rounds.push_back({{"index", round.index}, {"stage", round.stage}, {"conclusion", round.conclusion},
                      {"trials", RoundTrials(round, parsed, probes)}});
  }
  return json{{"simulated", simulated},
              {"nodes", names.size()},
              {"probes", {{"node", probes.For(TrialKind::kNode)}, {"pair", probes.pair}, {"group", probes.group}}},
              {"rounds_used", result.rounds.size()},
              {"tests_used", result.tests},
              {"pair_coverage",
               {{"text", result.pair_coverage}, {"pairs_tested", result.pairs_tested}, {"pairs_total", result.pairs_total}}},
              {"group_failed", result.group_failed},
              {"resolved", result.resolved},
              {"conclusion", result.conclusion},
              {"findings", findings},
              {"rounds", rounds}};
}

std::vector<Verdict> BisectionVerdicts(const BisectResult& result, const std::vector<std::string>& names,
                                       const StageProbes& probes, const Topology* topology) {
  std::vector<Verdict> verdicts;
  std::vector<char> implicated(names.size(), 0);
  for (const Finding& f : result.findings) {
    Verdict v;
    v.probe = f.stage == "node" ? probes.For(TrialKind::kNode) : f.stage == "pair" ? probes.pair : probes.group;
    if (v.probe.empty()) v.probe = "bisect";
    v.subject = SubjectOf(f, names);
    v.rule = "bisection";
    v.reason = f.reason + WhereInTree(f, topology);
    if (IsSwitch(f)) {
      v.probe = "bisect";
      v.reason = fmt::format("{} {} is slow: {}; the {} node(s) under it are affected, not accused",
                             f.kind == FindingKind::kSwitch ? "switch" : "the uplink of", SwitchName(f, topology),
                             f.reason, f.members.size());
    }
    if (f.kind == FindingKind::kUnresolved) {
      v.outcome = f.members.empty() ? Outcome::kError : RepeatedFailure(f) ? Outcome::kFail : Outcome::kWarn;
    } else {
      v.outcome = Outcome::kFail;
    }
    for (int n : f.members) implicated[static_cast<std::size_t>(n)] = 1;
    verdicts.push_back(std::move(v));
  }
  // Every node nothing implicated passes, as one verdict: at scale, one per node would be most of the report.
  std::vector<std::string> cleared;
  for (std::size_t n = 0; n < names.size(); ++n) {
    if (!implicated[n]) cleared.push_back(names[n]);
  }
  if (!cleared.empty()) {
    Verdict v;
    v.probe = "bisect";
    v.subject = cleared.size() == 1 ? Subject::Node(cleared[0]) : Subject::Group(cleared);
    v.rule = "bisection";
    v.outcome = Outcome::kPass;
    v.reason = fmt::format("{} node(s) not implicated in {} round(s)", cleared.size(), result.rounds.size());
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

}  // namespace kiln
