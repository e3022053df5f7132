// report.md: what a person reads first, in a review, a ticket or a chat. Failures first; a size that does not grow
// with the cluster: at most kMostFailureRows failing subjects (worst first, then counts per probe and outcome),
// kMostUncheckedLines rules not judged, and the measurements in full up to kMostMeasurementRows rows, else one row
// per series and node class (kMostSummaryRows at most); every cell cut at kMostCellChars. Beyond those bounds,
// report.json and report.html hold every subject and measurement. With those bounds a report.md stays under
// 256 KiB however large the cluster (README, "Reports"; tests/unit/render_markdown_test.cpp renders 1000 nodes).

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/measurement.hpp"
#include "core/statistics.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/printable.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {
namespace {

constexpr std::size_t kMostFailureRows = 40;
constexpr std::size_t kMostUncheckedLines = 20;
constexpr std::size_t kMostMeasurementRows = 100;
constexpr std::size_t kMostSummaryRows = 200;
constexpr std::size_t kMostCellChars = 200;

// Table cells: no pipes or newlines from node-supplied text, no control characters (escaped, reports/printable.hpp),
// and no cell longer than kMostCellChars.
std::string Cell(std::string text) {
  for (char& c : text) {
    if (c == '|' || c == '\n') c = ' ';
  }
  if (text.size() > kMostCellChars) text = text.substr(0, kMostCellChars - 3) + "...";
  return Printable(text);
}

// A node's class: its GPUs ("8 x NVIDIA H200"), or its CPU where it has none.
std::map<std::string, std::string> NodeClasses(const nlohmann::json& report) {
  std::map<std::string, std::string> classes;
  for (const nlohmann::json& node : report.at("cluster").at("nodes")) {
    const nlohmann::json inventory = node.value("inventory", nlohmann::json());
    std::string name = "unknown";
    if (inventory.is_object()) {
      const nlohmann::json gpus = inventory.value("gpus", nlohmann::json());
      const nlohmann::json devices = gpus.is_object() ? gpus.value("devices", nlohmann::json::array()) : nlohmann::json::array();
      if (!devices.empty() && devices[0].is_object()) {
        name = fmt::format("{} x {}", devices.size(), devices[0].value("name", "GPU"));
      } else if (inventory.contains("cpu_model") && inventory["cpu_model"].is_string()) {
        name = inventory["cpu_model"].get<std::string>();
      }
    }
    classes[node.value("name", "")] = name;
  }
  return classes;
}

void Failures(std::string& out, const nlohmann::json& report) {
  std::vector<VerdictGroup> failing;
  for (VerdictGroup& g : GroupVerdicts(report)) {
    if (g.worst > Outcome::kPass) failing.push_back(std::move(g));  // not pass, nor rules that do not apply
  }
  std::stable_sort(failing.begin(), failing.end(), [](const VerdictGroup& a, const VerdictGroup& b) {
    return a.worst > b.worst;  // error and fail before warn and skipped
  });
  out += "## Subjects that did not pass\n\n| outcome | probe | subject | why |\n| --- | --- | --- | --- |\n";
  for (std::size_t i = 0; i < failing.size() && i < kMostFailureRows; ++i) {
    const VerdictGroup& g = failing[i];
    out += fmt::format("| {} | {} | {} | {} |\n", ToString(g.worst), Cell(g.probe), Cell(g.subject.Key()),
                       Cell(g.WorstReasons()));
  }
  if (failing.empty()) out += "| - | - | - | every subject passed |\n";
  if (failing.size() <= kMostFailureRows) return;
  out += fmt::format("\n{} more subject(s) did not pass: every one is in report.json and report.html. All of them, "
                     "per probe and outcome:\n\n| probe | outcome | subjects |\n| --- | --- | --- |\n",
                     failing.size() - kMostFailureRows);
  std::map<std::pair<std::string, Outcome>, int> counts;
  for (const VerdictGroup& g : failing) ++counts[{g.probe, g.worst}];
  for (const auto& [key, n] : counts) out += fmt::format("| {} | {} | {} |\n", Cell(key.first), ToString(key.second), n);
}

void MeasurementRows(std::string& out, const nlohmann::json& report) {
  out += "\n## Measurements\n\n| probe | metric | subject | median | min | max | cv | samples | how |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& m : report.at("measurements")) {
    Measurement measurement = m.get<Measurement>();
    out += fmt::format("| {} | {} | {} | {:.4g} {} | {:.4g} | {:.4g} | {:.3f} | {} | {} |\n", Cell(measurement.probe),
                       Cell(measurement.SeriesKey()), Cell(measurement.subject.Key()), measurement.summary.median,
                       Cell(measurement.unit), measurement.summary.min, measurement.summary.max, measurement.summary.cv,
                       measurement.summary.count, Cell(measurement.method));
  }
}

// One row per series and node class: how many subjects, the median of their medians, the lowest and the highest.
void MeasurementSummary(std::string& out, const nlohmann::json& report) {
  struct Row {
    std::string probe, unit;
    std::vector<double> medians;
    std::pair<double, std::string> lowest{0, ""}, highest{0, ""};
  };
  const std::map<std::string, std::string> classes = NodeClasses(report);
  std::map<std::pair<std::string, std::string>, Row> rows;  // (series, class)
  for (const auto& m : report.at("measurements")) {
    Measurement measurement = m.get<Measurement>();
    const std::vector<std::string>& nodes = measurement.subject.nodes;
    std::string node_class = measurement.subject.kind == SubjectKind::kGroup ? "group of nodes"
                             : nodes.empty() || !classes.count(nodes[0]) ? "unknown"
                                                                          : classes.at(nodes[0]);
    if (measurement.subject.kind == SubjectKind::kPair) node_class += ", pairs";
    Row& row = rows[{measurement.SeriesKey(), node_class}];
    row.probe = measurement.probe;
    row.unit = measurement.unit;
    double v = measurement.summary.median;
    if (row.medians.empty() || v < row.lowest.first) row.lowest = {v, measurement.subject.Key()};
    if (row.medians.empty() || v > row.highest.first) row.highest = {v, measurement.subject.Key()};
    row.medians.push_back(v);
  }
  out += fmt::format("\n## Measurements, per node class\n\n{} measurements: one row per series and node class here; "
                     "each subject's numbers are in report.json and report.html.\n\n"
                     "| probe | metric | node class | subjects | median of medians | lowest | highest |\n"
                     "| --- | --- | --- | --- | --- | --- | --- |\n", report.at("measurements").size());
  std::size_t written = 0;
  for (const auto& [key, row] : rows) {
    if (++written > kMostSummaryRows) {
      out += fmt::format("\n{} more row(s): in report.json and report.html.\n", rows.size() - kMostSummaryRows);
      break;
    }
    std::vector<double> medians = row.medians;
    out += fmt::format("| {} | {} | {} | {} | {:.4g} {} | {:.4g} ({}) | {:.4g} ({}) |\n", Cell(row.probe),
                       Cell(key.first), Cell(key.second), row.medians.size(), Median(medians), Cell(row.unit),
                       row.lowest.first, Cell(row.lowest.second), row.highest.first, Cell(row.highest.second));
  }
}

}  // namespace

std::string RenderMarkdown(const nlohmann::json& report) {
  const nlohmann::json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  std::string out = fmt::format("# Kiln report: {}\n\n", Cell(report.at("cluster").value("name", "")));
  out += fmt::format("**{}** ({}). Suite `{}`, baseline `{}`, {} node(s), {} to {}.\n\n",
                     Cell(summary.value("headline", "")), summary.value("outcome", "?"),
                     Cell(report.at("suite").value("name", "")), Cell(BaselineIdentity(report)),
                     report.at("cluster").at("nodes").size(), Cell(report.at("run").value("started", "")),
                     Cell(report.at("run").value("finished", "")));
  if (!summary.value("note", "").empty()) out += fmt::format("> {}\n\n", Cell(summary.value("note", "")));
  out += report.at("signature").value("signed", false)
             ? fmt::format("Signed with key `{}` ({}).\n\n", Cell(report["signature"].value("key_id", "")),
                           Cell(report["signature"].value("file", "")))
             : "This report is not signed.\n\n";
  Failures(out, report);
  if (std::string choice = DescribeBaselineChoice(report); !choice.empty()) out += fmt::format("\nBaseline: {}\n", Cell(choice));
  if (std::vector<std::string> unchecked = NotCheckedLines(report); !unchecked.empty()) {
    out += "\n## Rules not judged (they cost the run its acceptance)\n\n";
    for (std::size_t i = 0; i < unchecked.size() && i < kMostUncheckedLines; ++i) out += fmt::format("- {}\n", Cell(unchecked[i]));
    if (unchecked.size() > kMostUncheckedLines) {
      out += fmt::format("- and {} more: in report.json and report.html\n", unchecked.size() - kMostUncheckedLines);
    }
  }
  if (report.at("measurements").size() <= kMostMeasurementRows) {
    MeasurementRows(out, report);
  } else {
    MeasurementSummary(out, report);
  }
  // `kiln report --format md` prints to a terminal: whatever reached the text outside a cell is escaped too.
  return Printable(out, true);
}

}  // namespace kiln
