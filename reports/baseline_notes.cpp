#include "reports/baseline_notes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reports/report.hpp"

namespace kiln {

std::string BaselineIdentity(const nlohmann::json& report) {
  const nlohmann::json& baseline = report.value("baseline", nlohmann::json::object());
  std::string sku = baseline.value("sku", "");
  std::string path = baseline.value("path", "");
  std::string sha = baseline.value("sha256", "").substr(0, 12);
  if (sku.empty() && path.empty()) return "?";
  std::string file = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::vector<std::string> parts;
  if (!file.empty()) parts.push_back("file " + file);
  if (!sha.empty()) parts.push_back("sha256 " + sha);
  if (parts.empty()) return sku;
  return fmt::format("{} ({})", sku.empty() ? "?" : sku, fmt::join(parts, ", "));
}

std::string DescribeBaselineChoice(const nlohmann::json& report) {
  const nlohmann::json& baseline = report.value("baseline", nlohmann::json::object());
  const nlohmann::json& selection = baseline.value("selection", nlohmann::json());
  if (!selection.is_object()) return "";
  std::string text = fmt::format("{}, {}", baseline.value("sku", "?"), selection.value("mode", "?"));
  if (!selection.value("why", "").empty()) text += fmt::format(" ({})", selection.value("why", ""));
  const nlohmann::json& shape = selection.value("shape", nlohmann::json());
  if (shape.is_object()) {
    text += fmt::format("; node shape {}: {} ({})", shape.value("name", "?"), shape.value("expects", ""),
                        shape.value("why", ""));
  }
  std::vector<std::string> found;
  for (const nlohmann::json& kind : selection.value("detected", nlohmann::json::array())) {
    std::vector<std::string> nodes = kind.value("nodes", std::vector<std::string>{});
    std::string who = nodes.size() <= 3 ? fmt::format("{}", fmt::join(nodes, ", ")) : fmt::format("{} nodes", nodes.size());
    found.push_back(fmt::format("{} ({})", kind.value("found", "?"), who));
  }
  if (!found.empty()) text += fmt::format("; detected: {}", fmt::join(found, "; "));
  return text;
}

std::vector<std::string> NotCheckedLines(const nlohmann::json& report) {
  std::vector<std::string> lines;
  // From the verdicts (each rule not judged says so), not from the report's own list: the file's claims about
  // itself are not evidence.
  const nlohmann::json summary = SummaryOf(report);
  for (const nlohmann::json& item : summary.at("coverage").at("not_judged")) {
    lines.push_back(fmt::format("{} {} ({}): {}", item.value("series", "?"), item.value("rule", ""),
                                item.value("rule_id", "?"), item.value("reason", "")));
  }
  return lines;
}

}  // namespace kiln
