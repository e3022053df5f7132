#include "core/verdict.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace kiln {

std::string_view ToString(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNotApplicable: return "not_applicable";
    case Outcome::kPass: return "pass";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kWarn: return "warn";
    case Outcome::kFail: return "fail";
    case Outcome::kError: return "error";
  }
  return "error";
}

Outcome OutcomeFromString(std::string_view text) {
  for (Outcome o : {Outcome::kNotApplicable, Outcome::kPass, Outcome::kSkipped, Outcome::kWarn, Outcome::kFail, Outcome::kError}) {
    if (ToString(o) == text) return o;
  }
  throw std::invalid_argument(fmt::format("unknown outcome '{}'", text));
}

void to_json(nlohmann::json& j, const Verdict& v) {
  j = nlohmann::json{{"probe", v.probe},     {"metric", v.metric}, {"series", v.series},
                     {"subject", v.subject}, {"outcome", ToString(v.outcome)},
                     {"reason", v.reason},   {"rule", v.rule},     {"source", v.source}};
  j["value"] = v.value ? nlohmann::json(*v.value) : nlohmann::json(nullptr);
  j["threshold"] = v.threshold ? nlohmann::json(*v.threshold) : nlohmann::json(nullptr);
  if (v.reference) j["reference"] = *v.reference;
  if (!v.metric.empty()) j["severity"] = ToString(v.severity);
  if (!v.cause.empty()) j["cause"] = v.cause;
  if (!v.rule_id.empty()) j["rule_id"] = v.rule_id;
  if (v.inconclusive) j["inconclusive"] = true;
}

void from_json(const nlohmann::json& j, Verdict& v) {
  v.probe = j.at("probe").get<std::string>();
  v.metric = j.at("metric").get<std::string>();
  v.series = j.value("series", std::string());
  v.subject = j.at("subject").get<Subject>();
  v.outcome = OutcomeFromString(j.at("outcome").get<std::string>());
  v.reason = j.at("reason").get<std::string>();
  v.rule = j.value("rule", std::string());
  v.source = j.value("source", std::string());
  if (j.contains("value") && !j["value"].is_null()) v.value = j["value"].get<double>();
  if (j.contains("threshold") && !j["threshold"].is_null()) v.threshold = j["threshold"].get<double>();
  if (j.contains("reference") && j["reference"].is_number()) v.reference = j["reference"].get<double>();
  v.severity = OutcomeFromString(j.value("severity", std::string("fail")));
  v.cause = j.value("cause", std::string());
  v.rule_id = j.value("rule_id", std::string());
  v.inconclusive = j.value("inconclusive", false);
}

}  // namespace kiln
