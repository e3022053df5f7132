#pragma once
// What `kiln baseline derive` keeps of one report: its outcome, date, nodes (what each was found to be) and one
// value per measurement, the median its rules would judge. A few hundred bytes per measurement, whatever the
// report's size: derive reads a report's measurements one at a time and drops each once summarised, instead of
// holding every parsed report (about 28 x the file's size) until the baseline is written.

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/node_facts.hpp"
#include "reports/run_outcome.hpp"

namespace kiln {

// One measurement, reduced to what a derived rule needs.
struct DerivationValue {
  std::string metric;
  std::map<std::string, std::string> labels;
  std::string unit;
  bool higher_is_better = true;
  std::string subject;             // Subject::Key(): one value per subject and report
  std::vector<std::string> nodes;  // the subject's nodes
  double value = 0;                // the median of the samples
};

struct DerivationReport {
  std::string path;
  std::string sha256;    // of the file's bytes
  RunOutcome outcome = RunOutcome::kPass;  // summary.outcome
  int exit_code = -1;    // summary.exit_code; -1 when the report has none
  std::string finished;  // run.finished
  std::vector<NodeFacts> nodes;  // cluster.nodes, from their inventories and NVLink measurements
  std::set<std::string> drivers;
  std::vector<DerivationValue> values;
};

// Reads a report file for derive: checks it is a Kiln report (schema, required sections, typed measurements) and
// keeps only the fields derive needs. Throws InputError naming the file (and the measurement at fault): not JSON,
// a number out of range (1e400), not a Kiln report, a malformed measurement, an outcome this Kiln does not know.
DerivationReport ReadDerivationReport(const std::string& path);

// The same from a report already parsed (tests, and callers that hold one anyway).
DerivationReport SummariseForDerivation(const nlohmann::json& report, const std::string& path, const std::string& sha256);

}  // namespace kiln
