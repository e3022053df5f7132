#include "bisection/vocabulary.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"
#include "bisection/node_names.hpp"

namespace kiln {

std::string_view ToString(TrialKind kind) {
  switch (kind) {
    case TrialKind::kNode: return "node";
    case TrialKind::kPair: return "pair";
    case TrialKind::kGroup: return "group";
  }
  return "?";
}

std::string_view ToString(TrialOutcome outcome) {
  switch (outcome) {
    case TrialOutcome::kPass: return "pass";
    case TrialOutcome::kFail: return "fail";
    case TrialOutcome::kHang: return "hang";
    case TrialOutcome::kCrash: return "crash";
    case TrialOutcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string_view ToString(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNode: return "node";
    case FindingKind::kLink: return "link";
    case FindingKind::kUnresolved: return "unresolved";
    case FindingKind::kSwitch: return "switch";
    case FindingKind::kUplink: return "uplink";
  }
  return "?";
}

std::optional<TrialOutcome> ParseTrialOutcome(std::string_view text) {
  for (TrialOutcome o : {TrialOutcome::kPass, TrialOutcome::kFail, TrialOutcome::kHang, TrialOutcome::kCrash,
                         TrialOutcome::kSkipped}) {
    if (ToString(o) == text) return o;
  }
  return std::nullopt;
}

std::optional<TrialKind> ParseTrialKind(std::string_view text) {
  for (TrialKind k : {TrialKind::kNode, TrialKind::kPair, TrialKind::kGroup}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

nlohmann::json TrialResultJson(const TrialResult& r) {
  return {{"outcome", ToString(r.outcome)},
          {"metric", r.metric},
          {"value", r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr)},
          {"unit", r.unit},
          {"reason", r.reason},
          {"seconds", r.seconds}};
}

nlohmann::json TrialJson(const Trial& t, const TrialResult& r, const NodeNames& names) {
  const auto cut = t.members.begin() + t.under_test;
  nlohmann::json json{{"kind", ToString(t.kind)},
                      {"nodes", names.List(std::vector<int>(t.members.begin(), cut))},
                      {"padding", names.List(std::vector<int>(cut, t.members.end()))}};
  json.update(TrialResultJson(r));
  return json;
}

TrialResult TrialResultFromJson(const nlohmann::json& json) {
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!json.is_object() || !json.contains(name)) throw InputError(fmt::format("trial result: no field \"{}\"", name));
    return json.at(name);
  };
  auto text = [&](const char* name) {
    const nlohmann::json& v = field(name);
    if (!v.is_string()) throw InputError(fmt::format("trial result: field \"{}\" is not text", name));
    return v.get<std::string>();
  };
  TrialResult r;
  std::string outcome = text("outcome");
  std::optional<TrialOutcome> parsed = ParseTrialOutcome(outcome);
  if (!parsed) throw InputError(fmt::format("trial result: field \"outcome\" is \"{}\", not pass, fail, hang, crash or skipped", outcome));
  r.outcome = *parsed;
  r.metric = text("metric");
  r.unit = text("unit");
  r.reason = text("reason");
  const nlohmann::json& value = field("value");
  if (!value.is_null() && !value.is_number()) throw InputError("trial result: field \"value\" is neither a number nor null");
  if (value.is_number()) r.value = value.get<double>();
  const nlohmann::json& seconds = field("seconds");
  if (!seconds.is_number()) throw InputError("trial result: field \"seconds\" is not a number");
  r.seconds = seconds.get<double>();
  return r;
}

}  // namespace kiln
