#include "runners/suite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/xml_file.hpp"

namespace kiln {
namespace {

int PhaseIndex(std::string_view phase) {
  for (std::size_t i = 0; i < std::size(kPhaseOrder); ++i) {
    if (phase == kPhaseOrder[i]) return static_cast<int>(i);
  }
  return -1;
}

Scope ScopeOfPhase(std::string_view phase) {
  if (phase == "pair") return Scope::kPair;
  if (phase == "group") return Scope::kGroup;
  return Scope::kNode;
}

// One <step>: its probe (which must fit the phase), timeout, rounds, optional flag and parameters.
SuiteStep ParseStep(const XmlFile& file, pugi::xml_node step, const std::string& phase_name,
                    const ProbeRegistry& registry) {
  file.RequireAttributes(step, {"probe", "timeout", "rounds", "optional"});
  SuiteStep s;
  s.phase = phase_name;
  s.where = file.Where(step);
  std::string_view optional = step.attribute("optional").as_string("false");
  if (optional != "true" && optional != "false") {
    file.Fail(step, fmt::format("optional must be 'true' or 'false', not '{}'", optional));
  }
  s.optional = optional == "true";
  std::string probe_name = file.Required(step, "probe");
  s.probe = registry.Find(probe_name);
  if (s.probe == nullptr) {
    file.Fail(step, fmt::format("unknown probe '{}' (this build has: {})", probe_name, fmt::join(registry.Names(), ", ")));
  }
  if (s.probe->scope() != ScopeOfPhase(phase_name)) {
    file.Fail(step, fmt::format("probe '{}' has scope '{}' and cannot run in phase '{}'", probe_name,
                                ToString(s.probe->scope()), phase_name));
  }
  if (pugi::xml_attribute timeout = step.attribute("timeout")) {
    auto parsed = ParseDuration(timeout.value());
    if (!parsed || parsed->count() <= 0) {
      file.Fail(step, fmt::format("timeout '{}' is not a positive duration of at least 1ms and at most 365d, such as "
                                  "30s or 5m", timeout.value()));
    }
    s.timeout = *parsed;
  }
  if (pugi::xml_attribute rounds = step.attribute("rounds")) {
    if (s.probe->scope() != Scope::kPair) file.Fail(step, "'rounds' applies to pair probes only");
    int value = -1;
    std::string_view text = rounds.value();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
      file.Fail(step, fmt::format("rounds '{}' is not a non-negative integer", text));
    }
    s.rounds = value;
  }
  std::map<std::string, std::string> given;
  for (pugi::xml_node param : step.children()) {
    if (param.type() != pugi::node_element) continue;
    if (std::string_view(param.name()) != "param") {
      file.Fail(param, fmt::format("unknown element <{}> in <step>", param.name()));
    }
    file.RequireAttributes(param, {"name", "value"});
    std::string name = file.Required(param, "name");
    if (!given.emplace(name, file.Required(param, "value")).second) {
      file.Fail(param, fmt::format("parameter '{}' is given twice", name));
    }
  }
  s.params = Parameters::Parse(s.probe->Parameters(), given, s.where);
  if (std::optional<std::string> problem = s.probe->CheckParameters(s.params)) {
    file.Fail(step, fmt::format("probe '{}': {}", probe_name, *problem));
  }
  return s;
}

}  // namespace

Suite LoadSuite(const std::string& path, const ProbeRegistry& registry) {
  XmlFile file = XmlFile::Load(path);
  pugi::xml_node root = file.root();
  file.RequireRoot("suite", {"1"});
  file.RequireAttributes(root, {"name", "version"});
  Suite suite;
  suite.name = file.Required(root, "name");
  suite.path = path;
  suite.sha256 = Sha256Hex(file.text());

  int last_phase = -1;
  for (pugi::xml_node phase : root.children()) {
    if (phase.type() != pugi::node_element) continue;
    std::string_view element = phase.name();
    if (element == "description") {
      suite.description = phase.text().as_string();
      continue;
    }
    if (element != "phase") file.Fail(phase, fmt::format("unknown element <{}> in <suite>", element));
    file.RequireAttributes(phase, {"name"});
    std::string phase_name = file.Required(phase, "name");
    int index = PhaseIndex(phase_name);
    if (index < 0) file.Fail(phase, fmt::format("unknown phase '{}' (phases: health, node, pair, group)", phase_name));
    if (index <= last_phase) {
      file.Fail(phase, fmt::format("phase '{}' is out of order or repeated (order: health, node, pair, group)",
                                   phase_name));
    }
    last_phase = index;

    for (pugi::xml_node step : phase.children()) {
      if (step.type() != pugi::node_element) continue;
      if (std::string_view(step.name()) != "step") {
        file.Fail(step, fmt::format("unknown element <{}> in <phase>", step.name()));
      }
      suite.steps.push_back(ParseStep(file, step, phase_name, registry));
    }
  }
  if (suite.steps.empty()) file.Fail(root, "the suite has no steps");
  return suite;
}

std::string SuitePlan::LimitText() const {
  std::string text = FormatDuration(node_and_group_limit);
  if (pair_round_limit.count() > 0) text += fmt::format(" + {} per round of pairs", FormatDuration(pair_round_limit));
  return text;
}

SuitePlan PlanSuite(const Suite& suite) {
  SuitePlan plan;
  for (std::size_t i = 0; i < suite.steps.size(); ++i) {
    const SuiteStep& step = suite.steps[i];
    std::string params;
    for (const auto& [name, value] : step.params.Text()) params += fmt::format(" {}={}", name, value);
    Seconds asked = step.probe->AskedTime(step.params);
    plan.asked += asked;
    if (asked > step.timeout) {
      plan.warnings.push_back(fmt::format("step {} {}/{} ({}): its parameters ask for {} of measuring, more than its "
                                          "timeout of {}: it will time out",
                                          i + 1, step.phase, step.probe->Name(), step.where, FormatDuration(asked),
                                          FormatDuration(step.timeout)));
    }
    bool pair = step.probe->scope() == Scope::kPair;
    (pair ? plan.pair_round_limit : plan.node_and_group_limit) += step.timeout;
    plan.lines.push_back(fmt::format("{}. {}/{} ({}), {} {}{}{}", i + 1, step.phase, step.probe->Name(), step.where,
                                     pair ? "timeout per round of pairs" : "timeout", FormatDuration(step.timeout),
                                     step.optional ? ", optional" : "", params.empty() ? "" : ":" + params));
  }
  return plan;
}

}  // namespace kiln
