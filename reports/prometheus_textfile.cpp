#include "reports/prometheus_textfile.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/renderers.hpp"

namespace kiln {

std::string TextfileName(const std::string& suite) {
  std::string name = suite.empty() ? "unnamed" : suite;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  }
  return fmt::format("kiln-{}.prom", name);
}

std::string WritePrometheusTextfile(const std::string& dir, const nlohmann::json& report) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw RunError(fmt::format("--textfile-dir {}: not a folder (node_exporter's --collector.textfile.directory)", dir));
  }
  const std::string path = (std::filesystem::path(dir) / TextfileName(report.at("suite").value("name", ""))).string();
  const std::string text = RenderPrometheus(report);
  try {
    WriteFileAtomically(path, text, 0644);  // node_exporter often runs as another user
  } catch (const KilnError& e) {
    throw RunError(fmt::format("--textfile-dir: cannot write {}: {}", path, e.what()));
  }
  return path;
}

}  // namespace kiln
