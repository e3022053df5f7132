#pragma once
// The reports of real GPUs (tests/fixtures/real/) and the shipped baselines, as the judgement tests read them.

#include <functional>
#include <string>
#include <vector>

#include "core/baseline_selection.hpp"
#include "core/measurement.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "reports/run_record.hpp"
#include "tests/support/run_command.hpp"

namespace kiln::testing {

// A shipped baseline named on the command line (`--baseline SKU [--shape SHAPE]`).
inline BaselineChoice NamedBaseline(const std::string& sku, const std::string& shape = "") {
  BaselineChoice choice;
  choice.catalog.push_back(LoadBaseline(SourceDir() + "/baselines/" + sku + ".xml", ProbeRegistry::Default().AllMetrics()));
  choice.requested_shape = shape;
  return choice;
}

// `--baseline auto` over the shipped baselines.
inline BaselineChoice AutoBaseline() {
  BaselineChoice choice;
  choice.automatic = true;
  for (const char* sku : {"cpu-host", "h100-sxm5-80gb", "h200-sxm-141gb"}) {
    choice.catalog.push_back(NamedBaseline(sku).catalog[0]);
  }
  return choice;
}

// Scales every sample of the matching measurements (a slower GPU), keeping everything else as measured.
inline void ScaleSamples(RunRecord& record, const std::string& metric, const std::string& type, double factor) {
  for (Measurement& m : record.measurements) {
    if (m.metric != metric || (!type.empty() && m.labels["type"] != type)) continue;
    for (double& s : m.samples) s *= factor;
    m = MakeMeasurement(m.probe, m.metric, m.unit, m.subject, m.samples, m.higher_is_better, m.method, m.labels);
  }
}

// A real report judged as `kiln evaluate` judges it: its record (edited by `change` first), the verdicts and the
// run's outcome.
struct Judged {
  RunRecord record;
  std::vector<Verdict> verdicts;
  RunSummary outcome;
  std::vector<Verdict> Failures() const {
    std::vector<Verdict> failures;
    for (const Verdict& v : verdicts) {
      if (IsFailure(v.outcome)) failures.push_back(v);
    }
    return failures;
  }
  const Verdict* Find(const std::string& series, Outcome wanted) const {
    for (const Verdict& v : verdicts) {
      if (v.series == series && v.outcome == wanted) return &v;
    }
    return nullptr;
  }
};

inline Judged Judge(const std::string& fixture, const BaselineChoice& choice,
                    const std::function<void(RunRecord&)>& change = {}) {
  Judged j;
  j.record = RecordFromReport(LoadReport(RealReportPath(fixture)), fixture);
  if (change) change(j.record);
  j.verdicts = JudgeRecord(j.record, choice, ProbeRegistry::Default().Catalog());
  j.outcome = SummarizeOutcome(j.verdicts);
  return j;
}

}  // namespace kiln::testing
