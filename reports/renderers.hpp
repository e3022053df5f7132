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
// A measurement's name in metrics.prom ("hbm.copy_bw", "GB/s" -> "kiln_hbm_copy_bw_bytes_per_second"), and the
// factor that turns its value into that base unit (1e9): `kiln history --replay` names Kiln's values so.
std::string PrometheusMetricName(const std::string& metric, const std::string& unit);
double PrometheusBaseFactor(const std::string& unit);
// Markdown: verdict, failing subjects, every measurement.
std::string RenderMarkdown(const nlohmann::json& report);

// A stored report as a renderer may show it: its summary recomputed from its verdicts and its signature claim
// replaced by what lies beside it (`report_path`.minisig: present and a minisign file, with its key id, or not),
// so that an edited report.json cannot make `kiln report` say ACCEPTED or "signed".
nlohmann::json AsStored(nlohmann::json report, const std::string& report_path);
// Renders `format` (html, junit, prom, md, text, json); throws InputError for an unknown one.
std::string Render(const nlohmann::json& report, const std::string& format);

}  // namespace kiln
