#pragma once
// A bisection's trail and findings as report content: the "bisection" section of the canonical report
// (docs/report-schema.md) and the verdicts it implies.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/verdict.hpp"
#include "bisection/planner.hpp"

namespace kiln {

// Which probe each stage ran ("" for a stage that did not run).
struct StageProbes {
  std::string node;
  std::string pair;
  std::string group;
  const std::string& For(TrialKind kind) const;
};

nlohmann::json BisectionSection(const BisectResult& result, const std::vector<std::string>& names,
                                const StageProbes& probes, bool simulated);

// An accused node or link fails; an intermittent suspect warns; a failure nobody explains is an error;
// every other node passes ("not implicated").
std::vector<Verdict> BisectionVerdicts(const BisectResult& result, const std::vector<std::string>& names,
                                       const StageProbes& probes);

}  // namespace kiln
