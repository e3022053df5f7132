#pragma once
// Suites: which probes run, with which parameters and timeouts, in which phases (XML files).

#include <map>
#include <string>
#include <vector>

#include "core/parameters.hpp"
#include "core/probe.hpp"
#include "probes/registry.hpp"

namespace kiln {

// Phases run in this order; each holds probes of one scope.
inline constexpr const char* kPhaseOrder[] = {"health", "node", "pair", "group"};  // kiln:not-a-probe-name

struct SuiteStep {
  std::string phase;
  Probe* probe = nullptr;  // owned by the registry
  Parameters params;
  Seconds timeout{600};
  int rounds = 0;          // pair steps: circle rounds to run; 0 = all
  bool optional = false;   // the baseline's rules on what it measures do not fail when it measures nothing
  std::string where;       // file:line
};

struct Suite {
  std::string name;
  std::string description;
  std::string path;
  std::string sha256;
  std::vector<SuiteStep> steps;
};

// What a suite will take, before it runs: the time its probes are asked to spend (their `duration`
// parameters) and the most its steps may take (their timeouts; a pair step's timeout holds per round of pairs).
struct SuitePlan {
  Seconds asked{0};
  Seconds node_and_group_limit{0};
  Seconds pair_round_limit{0};  // summed over pair steps: multiply by the rounds, n-1 for n nodes
  std::vector<std::string> lines;  // one per step: "1. node/gpu_stress (quick.xml:9), timeout 4m: duration=60s ..."
  // Steps whose parameters ask for more time than their timeout gives: they will time out (mpi_link stops early
  // with less than it was asked to measure). Said by --plan and at the start of a run, not refused: a short
  // timeout can be what a test wants.
  std::vector<std::string> warnings;
  // "34.0m + 12.0m per round of pairs": the most the suite may take, as `kiln list suites` and --plan say it.
  std::string LimitText() const;
};
SuitePlan PlanSuite(const Suite& suite);

// Throws InputError naming file and line: unknown element, attribute, phase, probe or parameter, a probe
// in the wrong phase, phases out of order, a bad timeout.
Suite LoadSuite(const std::string& path, const ProbeRegistry& registry);

}  // namespace kiln
