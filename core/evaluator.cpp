#include "core/evaluator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace kiln {

bool Matches(const Expectation& e, const Measurement& m) {
  if (!GlobMatches(e.metric_pattern, m.metric)) return false;
  for (const auto& [name, value] : e.labels) {
    auto it = m.labels.find(name);
    if (it == m.labels.end() || it->second != value) return false;
  }
  return true;
}

namespace {

Verdict Judge(const Expectation& e, const Measurement& m, bool ok, std::string reason) {
  Verdict v;
  v.probe = m.probe;
  v.metric = m.metric;
  v.series = m.SeriesKey();
  v.subject = m.subject;
  v.outcome = ok ? Outcome::kPass : e.severity;
  v.reason = std::move(reason);
  // A contended measurement can neither accuse the node nor clear it: the rule ends inconclusive (an error of
  // the run, never a pass), naming why, so that the node is measured again on a quiet machine.
  if (v.outcome == Outcome::kFail && !m.unreliable.empty()) {
    v.outcome = Outcome::kError;
    v.inconclusive = true;
    v.reason = fmt::format("inconclusive: {}, but measured under contention ({}); measure it again on a quiet node",
                           v.reason, m.unreliable);
  }
  v.rule = Describe(e);
  v.severity = e.severity;
  v.source = e.source;
  v.value = m.value();
  return v;
}

Verdict JudgeAbsoluteRule(const Expectation& e, const Measurement& m) {
  double value = m.value();
  const std::string& unit = m.unit;
  switch (e.rule) {
    case RuleKind::kMin:
      return Judge(e, m, value >= e.threshold,
                   fmt::format("{:.4g} {} {} min {:g}", value, unit, value >= e.threshold ? ">=" : "<",
                               e.threshold));
    case RuleKind::kMax:
    case RuleKind::kCountLimit:
      return Judge(e, m, value <= e.threshold,
                   fmt::format("{:.4g} {} {} {} {:g}", value, unit, value <= e.threshold ? "<=" : ">",
                               e.rule == RuleKind::kMax ? "max" : "limit", e.threshold));
    case RuleKind::kEqual:
      return Judge(e, m, value == e.threshold,
                   fmt::format("{:g} {} {} expected {:g}", value, unit,
                               value == e.threshold ? "==" : "!=", e.threshold));
    case RuleKind::kMaxCv:
      return Judge(e, m, m.summary.cv <= e.threshold,
                   fmt::format("cv {:.3f} over {} samples {} {:g}", m.summary.cv, m.summary.count,
                               m.summary.cv <= e.threshold ? "<=" : ">", e.threshold));
    case RuleKind::kFraction: {
      double bound = e.fraction * e.reference;
      bool ok = m.higher_is_better ? value >= bound : value <= bound;
      return Judge(e, m, ok,
                   fmt::format("{:.4g} {} is {:.1f}% of reference {:g} (needs {} {:.0f}%)", value,
                               unit, 100.0 * value / e.reference, e.reference,
                               m.higher_is_better ? ">=" : "<=", 100.0 * e.fraction));
    }
    case RuleKind::kFleet:
      break;
  }
  return Judge(e, m, false, "internal: fleet rule judged alone");
}

}  // namespace

Verdict JudgeAbsolute(const Expectation& e, const Measurement& m) {
  Verdict v = JudgeAbsoluteRule(e, m);
  if (e.rule == RuleKind::kFraction) {
    v.threshold = e.fraction * e.reference;
    v.reference = e.reference;
  } else if (e.rule != RuleKind::kMaxCv) {
    v.threshold = e.threshold;
  }
  return v;
}

void JudgeFleet(const Expectation& e, const std::vector<const Measurement*>& series,
                std::vector<Verdict>& out) {
  if (static_cast<int>(series.size()) < e.min_fleet) {
    for (const Measurement* m : series) {
      Verdict v = Judge(e, *m, true,
                        fmt::format("not applicable: a fleet of {} is below the {} needed for a fleet comparison",
                                    series.size(), e.min_fleet));
      v.outcome = Outcome::kNotApplicable;
      out.push_back(std::move(v));
    }
    return;
  }
  std::vector<double> values;
  for (const Measurement* m : series) values.push_back(m->value());
  double median = Median(values);
  double deviation = RobustDeviation(values);
  double margin = std::max(e.k * deviation, e.min_drop * std::fabs(median));
  for (const Measurement* m : series) {
    double value = m->value();
    bool ok = m->higher_is_better ? value >= median - margin : value <= median + margin;
    double shortfall = median != 0 ? 100.0 * (value - median) / std::fabs(median) : 0;
    Verdict& v = out.emplace_back(Judge(e, *m, ok,
                        fmt::format("{:.4g} {} vs fleet median {:.4g} ({:+.1f}%, limit {} {:.4g}, "
                                    "{} subjects)",
                                    value, m->unit, median, shortfall,
                                    m->higher_is_better ? ">=" : "<=",
                                    m->higher_is_better ? median - margin : median + margin,
                                    series.size())));
    v.threshold = m->higher_is_better ? median - margin : median + margin;
  }
}

std::vector<Verdict> Evaluate(const Baseline& baseline, const std::vector<Measurement>& measurements) {
  std::vector<Verdict> verdicts;
  for (const Expectation& e : baseline.expectations) {
    if (e.rule != RuleKind::kFleet) {
      for (const Measurement& m : measurements) {
        if (Matches(e, m)) verdicts.push_back(JudgeAbsolute(e, m));
      }
      continue;
    }
    // A fleet is the same series measured on subjects of the same kind.
    std::map<std::pair<std::string, SubjectKind>, std::vector<const Measurement*>> fleets;
    for (const Measurement& m : measurements) {
      if (Matches(e, m)) fleets[{m.SeriesKey(), m.subject.kind}].push_back(&m);
    }
    for (const auto& [key, series] : fleets) JudgeFleet(e, series, verdicts);
  }
  return verdicts;
}

}  // namespace kiln

namespace kiln {

std::vector<Verdict> EvaluateCorrectness(const std::vector<MetricSpec>& metrics,
                                         const std::vector<Measurement>& measurements) {
  // One verdict per check and subject, whatever the number of sizes or types it covered.
  struct Tally {
    const Measurement* first = nullptr;
    double wrong = 0;
    int series = 0;
    std::vector<std::string> failing;  // series with wrong values, with their count
  };
  std::map<std::pair<std::string, std::string>, Tally> tallies;
  std::vector<std::pair<std::string, std::string>> order;
  for (const Measurement& m : measurements) {
    bool is_correctness = std::any_of(metrics.begin(), metrics.end(), [&](const MetricSpec& spec) {
      return spec.correctness && spec.name == m.metric;
    });
    if (!is_correctness) continue;
    auto key = std::make_pair(m.metric, m.subject.Key());
    auto [it, inserted] = tallies.try_emplace(key);
    if (inserted) order.push_back(key);
    Tally& tally = it->second;
    if (!tally.first) tally.first = &m;
    tally.wrong += m.value();
    ++tally.series;
    if (m.value() != 0) tally.failing.push_back(fmt::format("{}: {:g} ({})", m.SeriesKey(), m.value(), m.method));
  }
  std::vector<Verdict> verdicts;
  for (const auto& key : order) {
    const Tally& tally = tallies.at(key);
    const Measurement& m = *tally.first;
    Verdict v;
    v.probe = m.probe;
    v.metric = m.metric;
    v.series = m.metric;
    v.subject = m.subject;
    v.value = tally.wrong;
    v.rule = "must be 0";
    v.source = "Kiln correctness check: a wrong result is a failure, whatever its speed";
    v.outcome = tally.wrong == 0 ? Outcome::kPass : Outcome::kFail;
    v.reason = tally.wrong == 0
                   ? fmt::format("every checked value was exact ({} series)", tally.series)
                   : fmt::format("{:g} wrong values in {} of {} series: {}", tally.wrong, tally.failing.size(),
                                 tally.series, fmt::join(tally.failing, "; "));
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

}  // namespace kiln
