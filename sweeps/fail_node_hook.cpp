#include "sweeps/fail_node_hook.hpp"

#include <fmt/format.h>

#include "core/subprocess.hpp"
#include "core/verdict.hpp"
#include "reports/node_judgement.hpp"
#include "reports/printable.hpp"
#include "reports/report.hpp"

namespace kiln {

bool IsPlainHostname(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<HookCall> RunFailNodeHook(const std::string& program, const std::string& report_path,
                                      double timeout_seconds) {
  std::vector<HookCall> calls;
  for (const auto& [node, judgement] : JudgeNodes(LoadReport(report_path))) {
    if (!IsFailure(judgement.outcome)) continue;
    HookCall call{node, judgement.reason, 0, ""};
    // One line: a reason is an argument, but a log reading it should not be fooled by a newline.
    for (char& c : call.reason) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    if (!IsPlainHostname(node)) {
      call.exit_code = -1;
      call.node = Printable(node);
      call.message = fmt::format("node name '{}' is not a plain hostname: not passed to {}", call.node, Printable(program));
    } else {
      ProcessResult r = RunProcess({program, node, call.reason}, timeout_seconds, {"KILN_REPORT=" + report_path});
      call.exit_code = r.exit_code;
      // The hook's output may echo the reason or the node: printed, so escaped.
      call.message = r.timed_out ? fmt::format("killed after {:.0f}s", timeout_seconds) : Printable(r.output, true);
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

}  // namespace kiln
