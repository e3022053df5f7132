#pragma once
// Per-SKU expectations: metric pattern -> rule, each with the source of its number.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/probe.hpp"
#include "core/verdict.hpp"

namespace kiln {

enum class RuleKind {
  kMin,         // value >= threshold
  kMax,         // value <= threshold
  kFraction,    // value >= fraction x reference (or <= for lower-is-better metrics)
  kMaxCv,       // sample spread: cv <= threshold
  kFleet,       // not more than k robust deviations (and min_drop) worse than the fleet median
  kEqual,       // value == threshold (counts, widths)
  kCountLimit,  // an event counter: value <= threshold
};

struct Expectation {
  std::string metric_pattern;                 // glob: "host.stream.*"
  std::map<std::string, std::string> labels;  // all must match: {size: 256MiB}
  RuleKind rule = RuleKind::kMin;
  double threshold = 0;     // min/max/max_cv/equal/count_limit
  double reference = 0;     // fraction: the reference value
  double fraction = 1;      // fraction: share of the reference to reach
  double k = 3;             // fleet: robust deviations
  double min_drop = 0.05;   // fleet: a relative shortfall below this is never flagged
  int min_fleet = 3;        // fleet: fewer subjects than this and the rule is skipped
  std::string unit;         // optional; must equal the metric's unit
  Outcome severity = Outcome::kFail;  // what a broken rule gives: fail or warn
  std::string source;       // where the number comes from
  std::string where;        // file:line, for messages
};

struct Baseline {
  std::string sku;
  std::string description;
  std::string path;
  std::string sha256;  // of the file's bytes
  std::vector<Expectation> expectations;
};

// Reads a baseline file; every metric pattern must match a metric some probe declares (`known`),
// units must agree, numbers must be valid. Throws InputError naming file and line.
Baseline LoadBaseline(const std::string& path, const std::vector<MetricSpec>& known);

std::string_view ToString(RuleKind kind);
// "min 20 GB/s", "fleet k=3 drop>=5%": how the report names a rule.
std::string Describe(const Expectation& expectation);
bool GlobMatches(const std::string& pattern, const std::string& text);

}  // namespace kiln
