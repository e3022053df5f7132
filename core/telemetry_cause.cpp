#include "core/telemetry_cause.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "core/statistics.hpp"

namespace kiln {
namespace {

struct Telemetry {
  const Measurement* power = nullptr;
  const Measurement* clock = nullptr;
  const Measurement* temperature = nullptr;
  const Measurement* power_limit = nullptr;
  const Measurement* clock_max = nullptr;
  std::map<std::string, double> throttle_share;  // reason -> % of samples
};

// Whether `m` is a reading of `phase` (the value of `label`), or of the whole run when `phase` is empty.
bool InPhase(const Measurement& m, const std::string& label, const std::string& phase) {
  auto it = label.empty() ? m.labels.end() : m.labels.find(label);
  return phase.empty() ? it == m.labels.end() : it != m.labels.end() && it->second == phase;
}

Telemetry Gather(const CauseSeries& names, const Subject& subject, const std::string& phase,
                 const std::vector<Measurement>& measurements) {
  Telemetry t;
  for (const Measurement& m : measurements) {
    if (!(m.subject == subject)) continue;
    // The limits hold for the whole run: one value each.
    if (m.metric == names.power_limit) t.power_limit = &m;
    if (m.metric == names.sm_clock_max) t.clock_max = &m;
    if (!InPhase(m, names.phase_label, phase)) continue;
    if (m.metric == names.power) t.power = &m;
    if (m.metric == names.sm_clock) t.clock = &m;
    if (m.metric == names.temperature) t.temperature = &m;
    if (m.metric == names.throttle_share && m.labels.count("reason")) {
      t.throttle_share[m.labels.at("reason")] = m.value();
    }
  }
  return t;
}

double ShareAtLeast(const std::vector<double>& samples, double bound) {
  if (samples.empty()) return 0;
  auto n = std::count_if(samples.begin(), samples.end(), [&](double s) { return s >= bound; });
  return 100.0 * static_cast<double>(n) / static_cast<double>(samples.size());
}

std::string ReasonName(const std::string& reason) {
  static const std::map<std::string, std::string> kNames = {
      {"sw_power_cap", "SW power cap"},          {"hw_slowdown", "HW slowdown"},
      {"hw_power_brake_slowdown", "HW power brake"}, {"hw_thermal_slowdown", "HW thermal"},
      {"sw_thermal_slowdown", "SW thermal"}};
  auto it = kNames.find(reason);
  return it == kNames.end() ? reason : it->second;
}

}  // namespace

std::string TelemetryCause(const CauseSeries& series, const Subject& subject, const std::string& phase,
                           const std::vector<Measurement>& measurements) {
  auto recorded = [](const Telemetry& t) { return t.power || t.clock || !t.throttle_share.empty(); };
  Telemetry t = Gather(series, subject, phase, measurements);
  std::string during = phase.empty() ? "" : fmt::format("while {} ran, ", phase);
  if (!recorded(t)) {  // a report from before the probe recorded each phase: the whole run's readings
    t = Gather(series, subject, "", measurements);
    during.clear();
  }
  if (!recorded(t)) return "";
  std::vector<std::string> parts;
  double at_limit = -1;
  if (t.power && t.power_limit) {
    double limit = t.power_limit->value();
    at_limit = ShareAtLeast(t.power->samples, 0.97 * limit);
    parts.push_back(fmt::format("at the {:.0f} W power limit in {:.0f}% of {} samples (median {:.0f} W)", limit,
                                at_limit, t.power->samples.size(), t.power->value()));
  } else if (t.power) {
    parts.push_back(fmt::format("power median {:.0f} W over {} samples (limit not recorded)", t.power->value(),
                                t.power->samples.size()));
  }
  // Without the limit, a cap still shows as a plateau: most samples within 3% of the highest.
  double plateau = t.power && !t.power_limit ? ShareAtLeast(t.power->samples, 0.97 * t.power->summary.max) : -1;
  double clock_ratio = -1;
  if (t.clock) {
    double max = t.clock_max ? t.clock_max->value() : t.clock->summary.max;
    clock_ratio = max > 0 ? t.clock->value() / max : -1;
    parts.push_back(fmt::format("SM clock median {:.0f} of {:.0f} MHz{}", t.clock->value(), max,
                                t.clock_max ? "" : " (highest seen)"));
  }
  double hardware = 0, power_cap = 0;
  if (t.throttle_share.empty()) {
    parts.push_back("throttle reasons not recorded");
  } else {
    std::vector<std::string> seen;
    for (const auto& [reason, share] : t.throttle_share) {
      if (share > 0) seen.push_back(fmt::format("{} {:.0f}%", ReasonName(reason), share));
      if (reason == "sw_power_cap") power_cap = share;
      if (reason != "sw_power_cap") {
        hardware = std::max(hardware, share);
      }
    }
    parts.push_back(seen.empty() ? std::string("no throttle reason")
                                 : fmt::format("throttle reasons: {}", fmt::join(seen, ", ")));
  }
  if (t.temperature) parts.push_back(fmt::format("temperature max {:.0f} C", t.temperature->summary.max));

  std::string conclusion;
  if (hardware >= 10) {
    conclusion = fmt::format("HW slowdown or thermal throttling in {:.0f}% of samples: check cooling and power delivery",
                             hardware);
  } else if (at_limit >= 50 || power_cap >= 50) {
    conclusion = "power-limited, not a fault";
  } else if (plateau >= 50) {
    conclusion = fmt::format("power held within 3% of its highest sample ({:.0f} W) in {:.0f}% of samples with no HW "
                             "slowdown recorded: likely power-limited", t.power->summary.max, plateau);
  } else if (clock_ratio >= 0 && clock_ratio < 0.85) {
    conclusion = fmt::format("clocks held at {:.0f}% of the maximum with no HW slowdown recorded: likely power-limited "
                             "(check the power limit)", 100 * clock_ratio);
  } else {
    conclusion = "no power or thermal limit explains it: suspect the GPU";
  }
  return fmt::format("{}{}: {}", during, fmt::join(parts, ", "), conclusion);
}

void AttachCauses(std::vector<Verdict>& verdicts, const std::vector<Measurement>& measurements,
                  const ProbeCatalog& catalog) {
  for (Verdict& v : verdicts) {
    if (v.outcome != Outcome::kFail && v.outcome != Outcome::kWarn) continue;
    const ProbeInfo* probe = FindProbe(catalog, v.probe);
    if (!probe || v.metric.empty() || v.metric != probe->traits.cause.verdict_metric) continue;
    if (v.subject.kind != SubjectKind::kDevice) continue;
    const CauseSeries& series = probe->traits.cause;
    // The phase is the judged measurement's: its GEMM type.
    std::string phase;
    for (const Measurement& m : measurements) {
      if (m.metric != v.metric || !(m.subject == v.subject) || m.SeriesKey() != v.series) continue;
      if (auto it = m.labels.find(series.phase_label); it != m.labels.end()) phase = it->second;
    }
    v.cause = TelemetryCause(series, v.subject, phase, measurements);
  }
}

}  // namespace kiln
