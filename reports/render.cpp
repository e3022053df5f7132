#include <fmt/format.h>

#include "core/errors.hpp"
#include "reports/renderers.hpp"
#include "reports/terminal_summary.hpp"

namespace kiln {

std::string Render(const nlohmann::json& report, const std::string& format) {
  if (format == "html") return RenderHtml(report);
  if (format == "junit") return RenderJunit(report);
  if (format == "prom") return RenderPrometheus(report);
  if (format == "md") return RenderMarkdown(report);
  if (format == "text") return RenderTerminalSummary(report);
  if (format == "json") return report.dump(2) + "\n";
  throw InputError(fmt::format("unknown report format '{}' (html, junit, prom, md, text, json)", format));
}

}  // namespace kiln
