#pragma once
// A bisection's trail and findings as report content: the "bisection" section of the canonical report
// (docs/report-schema.md) and the verdicts it implies.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/verdict.hpp"
#include "bisection/planner.hpp"

namespace kiln {

// Which probes each stage ran (none for a stage that did not run). A node trial runs its probes in order.
struct StageProbes {
  std::vector<std::string> node;
  std::string pair;
  std::string group;
  // The name a stage's trials go by in the report: "health+host_compute" for two node probes; "" for none.
  std::string For(TrialKind kind) const;
};

struct Topology;

// With a topology, every accused node and link names its leaf, and a switch or uplink finding its switch.
nlohmann::json BisectionSection(const BisectResult& result, const std::vector<std::string>& names,
                                const StageProbes& probes, bool simulated, const Topology* topology = nullptr);

// An accused node or link fails; an intermittent suspect warns; a failure nobody explains is an error;
// every other node passes ("not implicated").
std::vector<Verdict> BisectionVerdicts(const BisectResult& result, const std::vector<std::string>& names,
                                       const StageProbes& probes, const Topology* topology = nullptr);

}  // namespace kiln
