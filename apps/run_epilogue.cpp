#include "apps/run_epilogue.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "history/history_db.hpp"
#include "probes/registry.hpp"
#include "reports/prometheus_textfile.hpp"
#include "reports/report.hpp"
#include "sweeps/fail_node_hook.hpp"

namespace kiln {
namespace {

void AddToHistory(const std::string& db_path, const std::string& report_path) {
  HistoryDb db(db_path);
  bool added = db.Add(LoadReport(report_path), ReadFile(report_path), report_path, ProbeRegistry::Default().Catalog());
  fmt::print("kiln: {} {} history {}\n", report_path, added ? "added to" : "already in", db_path);
}

// A hook that fails is reported, not hidden.
void CallFailNodeHook(const std::string& program, const std::string& report_path) {
  for (const HookCall& call : RunFailNodeHook(program, report_path)) {
    if (call.exit_code == 0) {
      fmt::print("kiln: {} {}: done\n", program, call.node);
    } else {
      fmt::print(stderr, "kiln: {} {} failed (exit {}): {}\n", program, call.node, call.exit_code, call.message);
    }
  }
}

}  // namespace

int FinishRun(const std::string& summary, const std::string& report_path, int exit_code,
              const EpilogueOptions& options) {
  std::fputs(summary.c_str(), stdout);
  fmt::print("kiln: report written to {}{}\n", report_path, options.note);
  try {
    if (!options.history_db.empty()) AddToHistory(options.history_db, report_path);
    if (!options.textfile_dir.empty()) {
      fmt::print("kiln: metrics written to {}\n", WritePrometheusTextfile(options.textfile_dir, LoadReport(report_path)));
    }
    if (!options.on_fail_node.empty()) CallFailNodeHook(options.on_fail_node, report_path);
  } catch (const KilnError& e) {
    fmt::print(stderr, "kiln: {}\n", e.what());
    exit_code = std::max(exit_code, e.exit_code());
  }
  std::fflush(nullptr);
  return exit_code;
}

}  // namespace kiln
