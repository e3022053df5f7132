#pragma once
// Renderers of the canonical report. Each reads only report.json (as parsed JSON) and returns the file's text.

#include <nlohmann/json.hpp>

#include <string>

namespace kiln {

// One self-contained HTML page: verdict first, per-probe sections with inline SVG charts, inventory, methods.
std::string RenderHtml(const nlohmann::json& report);
// JUnit XML: one testcase per probe x subject; failures and errors carry the reasons.
std::string RenderJunit(const nlohmann::json& report);
// Prometheus text exposition format, for node_exporter's textfile collector.
std::string RenderPrometheus(const nlohmann::json& report);
// Markdown: verdict, failing subjects, every measurement.
std::string RenderMarkdown(const nlohmann::json& report);

// Renders `format` (html, junit, prom, md, text, json); throws InputError for an unknown one.
std::string Render(const nlohmann::json& report, const std::string& format);

}  // namespace kiln
