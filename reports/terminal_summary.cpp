#include "reports/terminal_summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "core/units.hpp"
#include "core/verdict.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/key_numbers.hpp"
#include "reports/printable.hpp"
#include "reports/report.hpp"

namespace kiln {

std::string RenderTerminalSummary(const nlohmann::json& report) {
  std::string out;
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  // Recomputed from the verdicts: a stored summary is a claim of the file, not evidence.
  const nlohmann::json summary = SummaryOf(report);
  // The numbers a reader looks for first.
  std::size_t more = 0;
  std::vector<KeyNumberRow> rows = KeyNumbers(report, 16, &more);
  if (!rows.empty()) out += "kiln: key numbers (medians):\n";
  for (const KeyNumberRow& row : rows) {
    out += fmt::format("  {:<28} {}\n", Printable(row.subject), Printable(fmt::format("{}", fmt::join(row.cells, " | "))));
  }
  if (more > 0) out += fmt::format("  ... and {} more subject(s) in report.html\n", more);
  // Then what did not pass, by severity, then skipped steps so that nothing silently vanishes.
  for (Outcome wanted : {Outcome::kFail, Outcome::kError, Outcome::kWarn, Outcome::kSkipped}) {
    for (const Verdict& v : verdicts) {
      if (v.outcome != wanted) continue;
      if (v.outcome == Outcome::kSkipped && !v.metric.empty()) continue;  // a rule that had too few peers
      // Everything from the report is escaped: a node name or a program's output must not drive the terminal.
      std::string what = Printable(v.metric.empty() ? v.probe : v.series);
      std::string subject = Printable(v.subject.Label(4));
      out += fmt::format("{:<7} {:<28} {:<40} {}{}\n", fmt::format("{}", ToString(v.outcome)).c_str(),
                         subject, what, Printable(v.reason),
                         v.source.empty() ? "" : fmt::format(" [{}]", Printable(v.source)));
      if (!v.cause.empty()) out += fmt::format("{:<7} {:<28} cause: {}\n", "", "", Printable(v.cause));
    }
  }
  if (std::string choice = DescribeBaselineChoice(report); !choice.empty()) {
    out += fmt::format("kiln: baseline {}\n", Printable(choice));
  }
  const auto& coverage = summary.at("coverage");
  if (!coverage.at("not_judged").empty()) {
    out += fmt::format("kiln: not judged ({} of {} acceptance rules judged):\n", coverage.value("judged", 0),
                       coverage.value("required", 0));
    for (const auto& rule : coverage.at("not_judged")) {
      out += fmt::format("  {} {}: {}\n", Printable(rule.value("series", "")), Printable(rule.value("rule", "")),
                         Printable(rule.value("reason", "")));
    }
  }
  const auto& counts = summary.at("counts");
  std::string cluster = report.at("cluster").value("name", "");
  out += fmt::format(
      "kiln: {} on {} node(s), suite {}, baseline {}: {} ({} pass, {} warn, {} fail, {} error, {} skipped, {} not "
      "applicable; {} measurements)\n",
      cluster.empty() ? "run" : Printable(cluster), report.at("cluster").at("nodes").size(),
      Printable(report.at("suite").value("name", "?")), Printable(BaselineIdentity(report)),
      Printable(summary.value("headline", "?")), counts.value("pass", 0), counts.value("warn", 0),
      counts.value("fail", 0), counts.value("error", 0), counts.value("skipped", 0),
      counts.value("not_applicable", 0), report.at("measurements").size());
  if (!summary.value("note", "").empty()) out += fmt::format("kiln: {}\n", Printable(summary.value("note", "")));
  if (report.contains("burnin")) {
    const auto& b = report["burnin"];
    out += fmt::format("kiln: burn-in: {} iteration(s) in {} of {}; failed iterations per node: {}\n",
                       b.value("iterations", 0), FormatDuration(Seconds(b.value("elapsed_s", 0.0))),
                       FormatDuration(Seconds(b.value("duration_s", 0.0))),
                       b.value("failed_iterations_per_node", nlohmann::json::object()).empty()
                           ? std::string("none")
                           : b["failed_iterations_per_node"].dump());
  }
  if (report.contains("bisection")) {
    const nlohmann::json all = report.contains("bisections") ? report["bisections"] : nlohmann::json::array({report["bisection"]});
    for (const auto& b : all) {
      out += fmt::format("kiln: bisection{}{}: {}\n", b.contains("probe") ? " of " + Printable(b.value("probe", "")) : "",
                         b.value("simulated", false) ? " (simulated)" : "", Printable(b.value("conclusion", "")));
    }
  }
  if (report.at("signature").value("signed", false)) {
    out += fmt::format("kiln: signed with key {} ({})\n", report.at("signature").value("key_id", "?"),
                       report.at("signature").value("file", "?"));
  } else {
    out += "kiln: this report is not signed\n";
  }
  return out;
}

}  // namespace kiln
