#pragma once
// The judgement of one subject: by one rule on one metric, or of a whole probe step (skipped, error).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/subject.hpp"

namespace kiln {

// Ordered by severity: the worst of several outcomes is the largest. "Not applicable" (a rule that does not
// fit this subject: another node shape, a fleet too small to compare) is below pass: it never hides another
// outcome and is never a failure.
enum class Outcome { kNotApplicable = -1, kPass = 0, kSkipped = 1, kWarn = 2, kFail = 3, kError = 4 };

std::string_view ToString(Outcome outcome);
Outcome OutcomeFromString(std::string_view text);  // throws std::invalid_argument
inline Outcome Worst(Outcome a, Outcome b) { return a > b ? a : b; }
// A run passes unless something failed or erred; warnings and skips are reported, not fatal.
inline bool IsFailure(Outcome outcome) { return outcome >= Outcome::kFail; }
// Something was actually judged: not a skip and not a rule that does not apply.
inline bool IsJudged(Outcome outcome) { return outcome != Outcome::kSkipped && outcome != Outcome::kNotApplicable; }

struct Verdict {
  std::string probe;
  std::string metric;  // empty for a verdict on a whole probe step
  std::string series;  // metric with labels, as Measurement::SeriesKey
  Subject subject;
  Outcome outcome = Outcome::kPass;
  std::string reason;  // "12.1 GB/s < min 20 GB/s"; "skipped: no GPU"; "timed out after 30s"
  std::string rule;    // "min 20 GB/s"; empty for step verdicts
  std::string source;  // where the rule's number comes from
  std::optional<double> value;
  std::optional<double> threshold;  // the bound the value was held to, when the rule has one number
  std::string cause;  // a failing or warning performance verdict: what the step's telemetry says (power, clocks)
  std::optional<double> reference;    // a fraction rule's reference (the healthy value its bound is a share of)
  Outcome severity = Outcome::kFail;  // what breaking the rule gives (fail or warn): which bound a chart draws
  // The baseline rule this verdict judges (its file:line), for rules an acceptance needs; empty for step
  // verdicts, correctness checks and optional rules. Coverage counts rules by it (core/coverage.hpp).
  std::string rule_id{};
  // An error that is no finding: the rule failed on a measurement taken under contention, so nothing can be
  // concluded either way (the run is inconclusive, never a pass).
  bool inconclusive = false;
};

void to_json(nlohmann::json& j, const Verdict& v);
void from_json(const nlohmann::json& j, Verdict& v);

}  // namespace kiln
