#pragma once
// The end of every run that wrote a report (alone, under MPI, after a bisection): print the summary, add the
// report to the history, write the Prometheus textfile, call the fail-node hook. One place, one way of handling their errors.

#include <string>

namespace kiln {

struct EpilogueOptions {
  std::string history_db;    // --history: add the report here
  std::string on_fail_node;  // --on-fail-node: PROGRAM NODE REASON per failing node
  std::string note;          // appended to "report written to PATH"
  std::string textfile_dir{};  // --textfile-dir: node_exporter's folder (reports/prometheus_textfile.hpp)
};

// Returns the run's exit code, raised to the error's when the history or the hook could not be done (the
// report itself is already safe on disk; the error is printed, never thrown).
int FinishRun(const std::string& summary, const std::string& report_path, int exit_code,
              const EpilogueOptions& options);

}  // namespace kiln
