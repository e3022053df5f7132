#pragma once
// `--textfile-dir DIR` (kiln run, kiln schedule): the run's metrics for node_exporter's textfile collector.
// One file per suite, DIR/kiln-<suite>.prom, so a daily quick sweep and a weekly acceptance sweep do not replace
// each other's series; each file is replaced whole after each run of its suite (a temporary file in DIR, renamed:
// node_exporter never reads half a file, and the temporary name, ".kiln-<suite>.prom.tmp-XXXXXX", is one it
// skips). Every series carries the cluster and suite labels (reports/render_prometheus.cpp).

#include <nlohmann/json.hpp>

#include <string>

namespace kiln {

// "kiln-<suite>.prom", the suite's name with anything outside [A-Za-z0-9_.-] as '_'.
std::string TextfileName(const std::string& suite);

// Writes RenderPrometheus(report) to DIR/TextfileName(suite) atomically and returns the path. Throws RunError
// (exit 3) naming the folder when it cannot be written; no temporary file is left behind.
std::string WritePrometheusTextfile(const std::string& dir, const nlohmann::json& report);

// A label value in the exposition format: backslash, double quote and line feed escaped.
std::string EscapePrometheusLabelValue(const std::string& value);

}  // namespace kiln
