#pragma once
// `kiln run --on-fail-node PROGRAM`: after the report is written, PROGRAM runs once per node the report
// fails, as `PROGRAM NODE REASON` with KILN_REPORT set to the report's path. No shell is involved: the node
// and the reason are arguments, whatever characters they hold. A node name that is not a plain hostname
// (letters, digits, '.', '-', '_') is refused rather than passed on.

#include <string>
#include <vector>

namespace kiln {

struct HookCall {
  std::string node;     // as passed; a refused name escaped for printing (reports/printable.hpp)
  std::string reason;
  int exit_code = 0;  // -1: killed at its time limit or refused
  std::string message;  // printable: the refusal, or the hook's output with control characters escaped
};

bool IsPlainHostname(const std::string& name);

// Runs the hook for every failing node of the report at `report_path`, each bounded by `timeout_seconds`.
std::vector<HookCall> RunFailNodeHook(const std::string& program, const std::string& report_path,
                                      double timeout_seconds = 120);

}  // namespace kiln
