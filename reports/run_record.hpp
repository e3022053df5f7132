#pragma once
// Everything a run produced, as rank 0 holds it at the end: the input of the canonical report.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/machine_identity.hpp"
#include "core/measurement.hpp"
#include "core/step_status.hpp"
#include "core/verdict.hpp"

namespace kiln {

// A node is a machine: `name` is its hostname, or "host~2", "host~3" for further machines answering to one hostname
// (or "host-rN" with --rank-as-node).
struct NodeRecord {
  std::string name;
  std::vector<int> ranks;
  nlohmann::json inventory;  // from the health probe; null when it did not run
  std::string hostname{};      // what its ranks' gethostname said; empty in simulated clusters and older reports
  MachineIdentity identity{};  // what its ranks read (machine-id, boot id, serial)
};

// One rank's (or one subject's) result of one step.
struct StepResult {
  Subject subject;
  std::string node;  // the reporting rank's node
  int rank = 0;
  StepStatus status = StepStatus::kMeasured;
  std::string reason;
  double elapsed_s = 0;
};

struct StepRecord {
  std::string phase;
  std::string probe;
  std::string where;  // suite file:line
  double timeout_s = 0;
  std::map<std::string, std::string> parameters;
  std::vector<StepResult> results;
  bool optional = false;  // what this step does not measure is reported, not failed
};

struct RunRecord {
  std::string kiln_version;
  std::string run_id;
  std::string started;   // ISO 8601 UTC
  std::string finished;
  double duration_s = 0;
  std::string launcher;  // single | mpirun | srun
  int ranks = 1;
  bool rank_as_node = false;
  std::string cluster;
  std::vector<NodeRecord> nodes;
  std::string suite_name, suite_path, suite_sha256, suite_description;
  std::string baseline_sku, baseline_path, baseline_sha256, baseline_description;
  nlohmann::json baseline_selection;  // mode, what was detected, the shape chosen and why (core/baseline_selection)
  nlohmann::json not_checked = nlohmann::json::array();  // expectations the run could not check, and why
  std::vector<StepRecord> steps;
  std::vector<Measurement> measurements;
  std::vector<Verdict> verdicts;
};

}  // namespace kiln
