#include <fmt/format.h>

#include "core/measurement.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/printable.hpp"
#include "reports/report.hpp"
#include "reports/renderers.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {
namespace {

// Table cells: no pipes or newlines from node-supplied text, and no control characters (escaped, reports/printable.hpp).
std::string Cell(std::string text) {
  for (char& c : text) {
    if (c == '|' || c == '\n') c = ' ';
  }
  return Printable(text);
}

}  // namespace

std::string RenderMarkdown(const nlohmann::json& report) {
  const nlohmann::json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  std::string out = fmt::format("# Kiln report: {}\n\n", Cell(report.at("cluster").value("name", "")));
  out += fmt::format("**{}** ({}). Suite `{}`, baseline `{}`, {} node(s), {} to {}.\n\n",
                     Cell(summary.value("headline", "")), summary.value("outcome", "?"),
                     Cell(report.at("suite").value("name", "")), Cell(report.at("baseline").value("sku", "")),
                     report.at("cluster").at("nodes").size(), report.at("run").value("started", ""),
                     report.at("run").value("finished", ""));
  if (!summary.value("note", "").empty()) out += fmt::format("> {}\n\n", Cell(summary.value("note", "")));
  out += report.at("signature").value("signed", false)
             ? fmt::format("Signed with key `{}` ({}).\n\n", report["signature"].value("key_id", ""), report["signature"].value("file", ""))
             : "This report is not signed.\n\n";
  out += "## Subjects that did not pass\n\n| outcome | probe | subject | why |\n| --- | --- | --- | --- |\n";
  int listed = 0;
  for (const VerdictGroup& g : GroupVerdicts(report)) {
    if (g.worst <= Outcome::kPass) continue;  // pass, or rules that do not apply
    ++listed;
    out += fmt::format("| {} | {} | {} | {} |\n", ToString(g.worst), Cell(g.probe), Cell(g.subject.Key()), Cell(g.WorstReasons()));
  }
  if (listed == 0) out += "| - | - | - | every subject passed |\n";
  if (std::string choice = DescribeBaselineChoice(report); !choice.empty()) out += fmt::format("\nBaseline: {}\n", Cell(choice));
  if (std::vector<std::string> unchecked = NotCheckedLines(report); !unchecked.empty()) {
    out += "\n## Rules not judged (they cost the run its acceptance)\n\n";
    for (const std::string& line : unchecked) out += fmt::format("- {}\n", Cell(line));
  }
  out += "\n## Measurements\n\n| probe | metric | subject | median | min | max | cv | samples | how |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& m : report.at("measurements")) {
    Measurement measurement = m.get<Measurement>();
    out += fmt::format("| {} | {} | {} | {:.4g} {} | {:.4g} | {:.4g} | {:.3f} | {} | {} |\n", Cell(measurement.probe),
                       Cell(measurement.SeriesKey()), Cell(measurement.subject.Key()), measurement.summary.median,
                       Cell(measurement.unit), measurement.summary.min, measurement.summary.max, measurement.summary.cv,
                       measurement.summary.count, Cell(measurement.method));
  }
  // `kiln report --format md` prints to a terminal: whatever reached the text outside a cell is escaped too.
  return Printable(out, true);
}

}  // namespace kiln
