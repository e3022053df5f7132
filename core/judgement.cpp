#include "core/judgement.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/coverage.hpp"
#include "core/evaluator.hpp"

namespace kiln {
namespace {

std::string SeriesText(const Expectation& e) { return SeriesKey(e.metric_pattern, e.labels); }

const NodeFacts* FindFacts(const std::vector<NodeFacts>& nodes, const std::string& name) {
  for (const NodeFacts& facts : nodes) {
    if (facts.node == name) return &facts;
  }
  return nullptr;
}

bool IsGpuMetric(const std::string& pattern) {
  for (const char* prefix : {"health.gpu", "gpu.", "hbm.", "pcie.", "p2p.", "nccl."}) {
    if (pattern.starts_with(prefix)) return true;
  }
  return false;
}

// The probes that report a metric the expectation names (usually one).
std::vector<const ProbeInfo*> ProbesOf(const Expectation& e, const ProbeCatalog& catalog) {
  std::vector<const ProbeInfo*> probes;
  for (const ProbeInfo& probe : catalog) {
    bool names = std::any_of(probe.metrics.begin(), probe.metrics.end(),
                             [&](const MetricSpec& m) { return GlobMatches(e.metric_pattern, m.name); });
    if (names) probes.push_back(&probe);
  }
  return probes;
}

// Node-scope probes report on a node (or its devices): the owner is the node. Pair and group probes report on
// their subject.
std::string OwnerKey(Scope scope, const Subject& subject) {
  if (scope == Scope::kNode) return subject.nodes.empty() ? std::string() : subject.nodes.front();
  return subject.Key();
}

// A measurement belongs to an expected subject when it is about it: the same node for node probes; for pair
// and group probes the subject itself, or a device of one of its nodes (a port's error counters during a pair
// test).
bool BelongsTo(Scope scope, const Measurement& m, const Subject& subject) {
  if (scope == Scope::kNode || m.subject.kind != SubjectKind::kDevice) {
    return OwnerKey(scope, m.subject) == OwnerKey(scope, subject);
  }
  return !m.subject.nodes.empty() &&
         std::find(subject.nodes.begin(), subject.nodes.end(), m.subject.nodes.front()) != subject.nodes.end();
}

// "size=8B..4GiB": the values a label took in the measurements of the same metric on the same owner.
std::string MeasuredLabels(const Expectation& e, const std::vector<const Measurement*>& same_metric) {
  std::vector<std::string> parts;
  for (const auto& [name, wanted] : e.labels) {
    std::vector<std::string> values;
    for (const Measurement* m : same_metric) {
      auto it = m->labels.find(name);
      if (it != m->labels.end() && std::find(values.begin(), values.end(), it->second) == values.end()) {
        values.push_back(it->second);
      }
    }
    if (values.empty()) continue;
    parts.push_back(values.size() > 4 ? fmt::format("{}={}..{}", name, values.front(), values.back())
                                      : fmt::format("{}={}", name, fmt::join(values, ",")));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

struct Context {
  const JudgeInput& input;
  // Probes that were part of the run: a step status, or a measurement (a report whose steps were removed is
  // judged on what it measured, never on what it claims to have run).
  std::set<std::string> probes_run;
  std::set<std::string> misshapen;   // nodes whose node.shape verdict failed
};

// Why nothing matched `e` on `owner`: what the step said, or what was measured instead.
std::string WhyNotMeasured(const Context& ctx, const Expectation& e, const ProbeInfo& probe, Scope scope,
                           const std::string& owner) {
  bool reported = false;
  for (const JudgedStep& step : ctx.input.steps) {
    if (step.probe != probe.probe || OwnerKey(scope, step.subject) != owner) continue;
    reported = true;
    if (step.status != StepStatus::kMeasured) {
      return fmt::format("{} {}{}{}", probe.probe, ToString(step.status), step.reason.empty() ? "" : ": ", step.reason);
    }
  }
  if (!reported) return fmt::format("{} did not report on {}", probe.probe, owner);
  std::vector<const Measurement*> same_metric;
  for (const Measurement& m : *ctx.input.measurements) {
    if (GlobMatches(e.metric_pattern, m.metric) && OwnerKey(scope, m.subject) == owner) same_metric.push_back(&m);
  }
  if (!same_metric.empty() && !e.labels.empty()) {
    return fmt::format("{} measured {} only for {}", probe.probe, e.metric_pattern, MeasuredLabels(e, same_metric));
  }
  std::string why = fmt::format("{} ran but reported no {}", probe.probe, e.metric_pattern);
  const NodeFacts* facts = scope == Scope::kNode ? FindFacts(ctx.input.nodes, owner) : nullptr;
  if (facts && !facts->gpus && IsGpuMetric(e.metric_pattern)) {
    why += ": " + (facts->no_gpu_reason.empty() ? std::string("no GPU information") : facts->no_gpu_reason);
  }
  return why;
}

// A verdict of rule `e` on `subject` that no measurement backs: not measured, or not applicable.
Verdict RuleVerdict(const Expectation& e, const std::string& probe, const Subject& subject, Outcome outcome,
                    std::string reason) {
  Verdict v;
  v.probe = probe;
  v.metric = e.metric_pattern;
  v.series = SeriesText(e);
  v.subject = subject;
  v.rule = Describe(e);
  v.source = e.source;
  v.outcome = outcome;
  v.reason = std::move(reason);
  if (!e.optional) v.rule_id = e.where;
  return v;
}

Verdict NotJudged(const Expectation& e, const std::string& probe, const Subject& subject, const std::string& why) {
  return NotJudgedVerdict(probe, e.metric_pattern, SeriesText(e), subject, Describe(e), e.source,
                          e.optional ? std::string() : e.where, why);
}

Verdict NotMeasured(const Expectation& e, const std::string& probe, const Subject& subject, bool optional,
                    const std::string& why) {
  return RuleVerdict(e, probe, subject, optional ? Outcome::kSkipped : e.severity,
                     fmt::format("expected {} {}: not measured{}: {}", SeriesText(e), Describe(e),
                                 optional ? " (optional)" : "", why));
}

Verdict NotApplicable(const Expectation& e, const std::string& probe, const Subject& subject, const std::string& why) {
  return RuleVerdict(e, probe, subject, Outcome::kNotApplicable, "not applicable: " + why);
}

// The subjects a probe is expected to report on: every node for a node probe, each subject its steps named
// for a pair or group probe.
std::vector<Subject> ExpectedSubjects(const Context& ctx, const ProbeInfo& probe) {
  std::vector<Subject> subjects;
  if (probe.scope == Scope::kNode) {
    for (const NodeFacts& facts : ctx.input.nodes) subjects.push_back(Subject::Node(facts.node));
    return subjects;
  }
  auto add = [&](const Subject& subject) {
    if (std::find(subjects.begin(), subjects.end(), subject) == subjects.end()) subjects.push_back(subject);
  };
  for (const JudgedStep& step : ctx.input.steps) {
    if (step.probe == probe.probe) add(step.subject);
  }
  for (const Measurement& m : *ctx.input.measurements) {
    if (m.probe == probe.probe && m.subject.kind != SubjectKind::kDevice) add(m.subject);
  }
  return subjects;
}

// The subjects a probe that was not part of the run would have reported on: every node for a node probe, the
// whole cluster for a group probe, and for a pair probe the cluster when it has two nodes or more.
std::vector<Subject> UnrunSubjects(const Context& ctx, const ProbeInfo& probe) {
  std::vector<Subject> subjects;
  std::vector<std::string> names;
  for (const NodeFacts& facts : ctx.input.nodes) names.push_back(facts.node);
  if (probe.scope == Scope::kNode) {
    for (const std::string& name : names) subjects.push_back(Subject::Node(name));
  } else if (probe.scope == Scope::kGroup || names.size() >= 2) {
    subjects.push_back(Subject::Group(names));
  }
  return subjects;
}

// Why no step of `probe` asked for the series `e` names ("the suite's gpu_stress step asked for
// types=bf16,fp32 only"), or "" when one did: a step asks for it when every label the rule fixes that one of
// the probe's parameters chooses is among that parameter's values. A step whose parameters are unknown (a
// report that lost them) asks for everything.
std::string NotAskedFor(const Context& ctx, const Expectation& e, const ProbeInfo& probe) {
  std::vector<std::string> asked;
  for (const JudgedStep& step : ctx.input.steps) {
    if (step.probe != probe.probe) continue;
    std::vector<std::string> missing;
    for (const auto& [label, value] : e.labels) {
      auto spec = std::find_if(probe.parameters.begin(), probe.parameters.end(),
                               [&](const ParamSpec& p) { return p.label == label; });
      if (spec == probe.parameters.end()) continue;
      auto given = step.parameters.find(spec->name);
      if (given == step.parameters.end() || ParameterAsksFor(spec->type, given->second, value)) continue;
      missing.push_back(fmt::format("{}={}", spec->name, given->second));
    }
    if (missing.empty()) return "";
    std::string text = fmt::format("{}", fmt::join(missing, ", "));
    if (std::find(asked.begin(), asked.end(), text) == asked.end()) asked.push_back(text);
  }
  if (asked.empty()) return "";
  return fmt::format("the suite's {} step asked for {} only", probe.probe, fmt::join(asked, "; "));
}

bool StepIsOptional(const Context& ctx, const std::string& probe) {
  return std::any_of(ctx.input.steps.begin(), ctx.input.steps.end(),
                     [&](const JudgedStep& s) { return s.probe == probe && s.optional; });
}

// GPUs a node probe's device measurements must cover: gpu0..gpuN-1 when the node reported N GPUs and the metric
// is measured per GPU.
std::vector<std::string> MissingGpus(const NodeFacts* facts, const std::vector<const Measurement*>& found) {
  std::vector<std::string> missing;
  if (!facts || !facts->gpus) return missing;
  // Per GPU means devices named gpuN; a GPU pair's cell (gpu0->gpu1) is not a GPU of its own.
  auto is_gpu = [](const std::string& device) {
    return device.size() > 3 && device.starts_with("gpu") &&
           std::all_of(device.begin() + 3, device.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  bool per_gpu = !found.empty() && std::all_of(found.begin(), found.end(), [&](const Measurement* m) {
    return m->subject.kind == SubjectKind::kDevice && is_gpu(m->subject.device);
  });
  if (!per_gpu) return missing;
  for (int i = 0; i < *facts->gpus; ++i) {
    std::string device = fmt::format("gpu{}", i);
    bool seen = std::any_of(found.begin(), found.end(), [&](const Measurement* m) { return m->subject.device == device; });
    if (!seen) missing.push_back(device);
  }
  return missing;
}

// A rule of the declared shape on a node that is not of that shape: the shape verdict already fails the node,
// once; repeating it as every missing NVLink or InfiniBand number would bury that one clear failure.
std::string MisshapenMember(const Context& ctx, const Subject& subject) {
  for (const std::string& node : subject.nodes) {
    if (ctx.misshapen.count(node)) {
      return fmt::format("{} is not of the declared node shape {} (see its node.shape verdict)", node,
                         ctx.input.shape->name);
    }
  }
  return "";
}

// Why `e` does not apply to `subject` in this run, or "" when it does.
std::string NotApplicableHere(const Context& ctx, const Expectation& e, const ProbeInfo& probe,
                              const Subject& subject) {
  std::string na = WhyNotApplicable(e, subject, ctx.input.shape, ctx.input.nodes);
  if (na.empty() && !e.applies.shapes.empty()) na = MisshapenMember(ctx, subject);
  if (na.empty() && probe.scope == Scope::kPair && subject.nodes.size() < 2) {
    na = fmt::format("a pair probe needs 2 nodes; this run has {}", subject.nodes.size());
  }
  return na;
}

// A rule none of whose probes was part of the run: listed as not checked, and not judged on every subject it
// would have applied to (which costs the run its acceptance), never dropped.
void JudgeUnrun(const Context& ctx, const Expectation& e, const std::vector<const ProbeInfo*>& probes,
                Judgement& out) {
  std::vector<std::string> names;
  for (const ProbeInfo* probe : probes) names.push_back(probe->probe);
  std::string why = fmt::format("the suite has no step of {}", fmt::join(names, " or "));
  out.unchecked.push_back({e.where, SeriesText(e), Describe(e), why});
  if (probes.empty()) return;
  const ProbeInfo& probe = *probes.front();
  for (const Subject& subject : UnrunSubjects(ctx, probe)) {
    std::string na = NotApplicableHere(ctx, e, probe, subject);
    out.verdicts.push_back(na.empty() ? NotJudged(e, probe.probe, subject, why)
                                      : NotApplicable(e, probe.probe, subject, na));
  }
}

void JudgeExpectation(const Context& ctx, const Expectation& e, Judgement& out) {
  std::vector<const ProbeInfo*> probes = ProbesOf(e, ctx.input.catalog);
  std::vector<const ProbeInfo*> ran;
  for (const ProbeInfo* probe : probes) {
    if (ctx.probes_run.count(probe->probe)) ran.push_back(probe);
  }
  if (ran.empty()) return JudgeUnrun(ctx, e, probes, out);
  std::vector<const Measurement*> to_fleet;
  std::set<const Measurement*> judged;  // a node's port counters belong to every pair it was in: judged once
  for (const ProbeInfo* probe : ran) {
    bool optional = e.optional || StepIsOptional(ctx, probe->probe);
    std::string not_asked = NotAskedFor(ctx, e, *probe);
    for (const Subject& subject : ExpectedSubjects(ctx, *probe)) {
      std::string na = NotApplicableHere(ctx, e, *probe, subject);
      if (!na.empty()) {
        out.verdicts.push_back(NotApplicable(e, probe->probe, subject, na));
        continue;
      }
      std::string owner = OwnerKey(probe->scope, subject);
      std::vector<const Measurement*> found;
      for (const Measurement& m : *ctx.input.measurements) {
        if (m.probe == probe->probe && Matches(e, m) && BelongsTo(probe->scope, m, subject)) found.push_back(&m);
      }
      if (found.empty()) {
        // A series the step never asked for is not judged (the suite chose not to measure it); one it asked
        // for and did not deliver fails. A fleet rule has no subject of its own to fail.
        if (!not_asked.empty()) {
          out.verdicts.push_back(NotJudged(e, probe->probe, subject, not_asked));
        } else if (e.rule != RuleKind::kFleet) {
          out.verdicts.push_back(NotMeasured(e, probe->probe, subject, optional,
                                             WhyNotMeasured(ctx, e, *probe, probe->scope, owner)));
        }
        continue;
      }
      if (e.rule != RuleKind::kFleet && probe->scope == Scope::kNode) {
        for (const std::string& gpu : MissingGpus(FindFacts(ctx.input.nodes, owner), found)) {
          out.verdicts.push_back(NotMeasured(e, probe->probe, Subject::Device(owner, gpu), optional,
                                             fmt::format("{} reported other GPUs of {} but not {}", probe->probe,
                                                         owner, gpu)));
        }
      }
      for (const Measurement* m : found) {
        if (!judged.insert(m).second) continue;
        if (e.rule == RuleKind::kFleet) {
          to_fleet.push_back(m);
        } else {
          out.verdicts.push_back(JudgeAbsolute(e, *m));
          if (!e.optional) out.verdicts.back().rule_id = e.where;
        }
      }
    }
  }
  // A fleet is the same series measured on subjects of the same kind.
  std::map<std::pair<std::string, SubjectKind>, std::vector<const Measurement*>> fleets;
  for (const Measurement* m : to_fleet) fleets[{m->SeriesKey(), m->subject.kind}].push_back(m);
  std::size_t first = out.verdicts.size();
  for (const auto& [key, series] : fleets) JudgeFleet(e, series, out.verdicts);
  if (e.optional) return;
  for (std::size_t i = first; i < out.verdicts.size(); ++i) out.verdicts[i].rule_id = e.where;
}

std::string Plural(int n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

}  // namespace

std::string WhyNotApplicable(const Expectation& e, const Subject& subject, const NodeShape* shape,
                             const std::vector<NodeFacts>& nodes) {
  const Applicability& a = e.applies;
  if (a.Unconditional()) return "";
  if (!a.shapes.empty()) {
    if (!shape) return fmt::format("applies to node shape {} only; no node shape is declared", fmt::join(a.shapes, ", "));
    if (std::find(a.shapes.begin(), a.shapes.end(), shape->name) == a.shapes.end()) {
      return fmt::format("applies to node shape {} only; this node is {}", fmt::join(a.shapes, ", "), shape->name);
    }
  }
  std::set<std::string> members(subject.nodes.begin(), subject.nodes.end());
  int gpus = 0;
  for (const std::string& node : members) {
    const NodeFacts* facts = FindFacts(nodes, node);
    gpus += shape ? shape->gpus : (facts ? facts->GpuCount() : 0);
  }
  std::string counted = shape ? fmt::format("shape {}", shape->name) : "as found";
  if (a.min_gpus > 0 && gpus < a.min_gpus) {
    return fmt::format("needs >= {}; {} has {} ({})", Plural(a.min_gpus, "GPU"), subject.Label(), gpus, counted);
  }
  if (a.max_gpus >= 0 && gpus > a.max_gpus) {
    return fmt::format("needs <= {}; {} has {} ({})", Plural(a.max_gpus, "GPU"), subject.Label(), gpus, counted);
  }
  if (a.min_nodes > 0 && static_cast<int>(members.size()) < a.min_nodes) {
    return fmt::format("needs >= {}; {} has {}", Plural(a.min_nodes, "node"), subject.Label(), members.size());
  }
  if (!a.gpu_model.empty()) {
    for (const std::string& node : members) {
      const NodeFacts* facts = FindFacts(nodes, node);
      if (!facts) continue;
      for (const std::string& model : facts->gpu_models) {
        if (GlobMatches(a.gpu_model, model)) return "";
      }
    }
    return fmt::format("applies to GPU '{}' only; {} has none", a.gpu_model, subject.Label());
  }
  return "";
}

Judgement JudgeRun(const JudgeInput& input) {
  Judgement out;
  if (!input.baseline) return out;
  Context ctx{input, {}, {}};
  for (const JudgedStep& step : input.steps) ctx.probes_run.insert(step.probe);
  for (const Measurement& m : *input.measurements) ctx.probes_run.insert(m.probe);
  bool inventoried = std::any_of(input.nodes.begin(), input.nodes.end(),
                                 [](const NodeFacts& facts) { return facts.inventoried; });
  const std::string no_health = "the suite has no health step, which finds what a node is";
  bool inventory_ran = std::any_of(ctx.probes_run.begin(), ctx.probes_run.end(), [&](const std::string& name) {
    const ProbeInfo* probe = FindProbe(input.catalog, name);
    return probe && probe->traits.inventories;
  });
  if (input.shape) {
    if (inventory_ran || inventoried) {
      for (const NodeFacts& facts : input.nodes) {
        out.verdicts.push_back(JudgeShape(*input.shape, facts));
        out.verdicts.back().rule_id = input.shape->where;
        if (IsFailure(out.verdicts.back().outcome)) ctx.misshapen.insert(facts.node);
      }
    } else {
      out.unchecked.push_back({input.shape->where, "node.shape", fmt::format("node shape {}", input.shape->name),
                               no_health});
      for (const NodeFacts& facts : input.nodes) {
        out.verdicts.push_back(NotJudgedVerdict("shape", "node.shape", "node.shape", Subject::Node(facts.node),
                                                fmt::format("node shape {}", input.shape->name),
                                                input.shape->source, input.shape->where, no_health));
      }
    }
  }
  if (!input.baseline->gpu_models.empty()) {
    for (const NodeFacts& facts : input.nodes) {
      out.verdicts.push_back(facts.inventoried
                                 ? JudgeGpuModel(*input.baseline, facts)
                                 : NotJudgedVerdict("baseline", "node.gpu_model", "node.gpu_model",
                                                    Subject::Node(facts.node), GpuModelRule(*input.baseline),
                                                    input.baseline->path, GpuModelRuleId(*input.baseline),
                                                    no_health));
    }
  }
  for (const Expectation& e : input.baseline->expectations) JudgeExpectation(ctx, e, out);
  return out;
}

}  // namespace kiln
