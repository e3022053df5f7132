#include "reports/baseline_notes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace kiln {

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
  const nlohmann::json& baseline = report.value("baseline", nlohmann::json::object());
  for (const nlohmann::json& item : baseline.value("not_checked", nlohmann::json::array())) {
    lines.push_back(fmt::format("{} {} ({}): {}", item.value("series", "?"), item.value("rule", ""),
                                item.value("where", "?"), item.value("reason", "")));
  }
  return lines;
}

}  // namespace kiln
