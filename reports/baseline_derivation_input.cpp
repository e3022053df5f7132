#include "reports/baseline_derivation_input.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_input.hpp"
#include "core/measurement.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

constexpr const char* kSections[] = {"run", "cluster", "verdicts", "measurements", "summary"};

// The top-level fields derive reads; the others (verdicts, steps, bisection...) are skipped while parsing.
bool Kept(const std::string& section) {
  return section == "schema" || section == "run" || section == "cluster" || section == "summary" ||
         section == "measurements";
}

Measurement ParseMeasurement(const nlohmann::json& j, const std::string& path, std::size_t index) {
  try {
    return j.get<Measurement>();
  } catch (const std::exception& e) {
    throw InputError(path, 0, fmt::format("malformed report: measurements[{}]: {}", index, e.what()));
  }
}

// Adds one measurement's value; keeps the NVLink counts whole, which the node's facts are made from.
void Add(DerivationReport& out, std::vector<Measurement>& links, Measurement m) {
  out.values.push_back({m.metric, m.labels, m.unit, m.higher_is_better, m.subject.Key(), m.subject.nodes, m.value()});
  if (m.metric == "health.gpu_nvlinks_active") links.push_back(std::move(m));
}

// Schema, sections, outcome, date and nodes, from a report whose measurements were read already. `sections`: the
// top-level fields the file has, kept or skipped.
void ReadHead(const nlohmann::json& report, const std::set<std::string>& sections, const std::vector<Measurement>& links,
              DerivationReport& out) {
  const std::string& path = out.path;
  const nlohmann::json* schema = report.is_object() && report.contains("schema") ? &report["schema"] : nullptr;
  if (schema == nullptr || !schema->is_string() || schema->get<std::string>() != kReportSchema) {
    throw InputError(path, 0, fmt::format("not a Kiln report (schema must be '{}')", kReportSchema));
  }
  for (const char* key : kSections) {
    if (!sections.count(key)) throw InputError(path, 0, fmt::format("report lacks '{}'", key));
  }
  try {
    out.outcome = report.at("summary").at("outcome").get<RunOutcome>();
    out.exit_code = report.at("summary").value("exit_code", -1);
    out.finished = report.at("run").value("finished", "?");
    for (const nlohmann::json& node : report.at("cluster").value("nodes", nlohmann::json::array())) {
      std::optional<NodeInventory> inventory = InventoryFromJson(node.value("inventory", nlohmann::json()));
      out.nodes.push_back(FactsOfNode(node.at("name").get<std::string>(), inventory, links));
      if (inventory && !inventory->gpus.driver_version.empty()) out.drivers.insert(inventory->gpus.driver_version);
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, fmt::format("malformed report: {}", e.what()));
  } catch (const std::invalid_argument& e) {  // an outcome this Kiln does not know
    throw InputError(path, 0, fmt::format("malformed report: summary.outcome: {}", e.what()));
  }
}

}  // namespace

DerivationReport ReadDerivationReport(const std::string& path) {
  DerivationReport out;
  out.path = path;
  std::vector<Measurement> links;
  nlohmann::json head;
  std::set<std::string> seen;  // top-level fields, kept or skipped
  {
    std::string text = ReadFile(path);
    out.sha256 = Sha256Hex(text);
    std::string section;  // the top-level field being parsed
    std::size_t index = 0;
    // Each measurement is summarised when its object ends and then discarded; skipped sections are never built.
    auto keep = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      if (depth == 1 && event == nlohmann::json::parse_event_t::key) {
        section = parsed.get<std::string>();
        if (!seen.insert(section).second) throw InputError(path, 0, fmt::format("report has '{}' twice", section));
        return Kept(section);
      }
      if (depth == 2 && event == nlohmann::json::parse_event_t::object_end && section == "measurements") {
        Add(out, links, ParseMeasurement(parsed, path, index++));
        return false;
      }
      return true;
    };
    try {
      head = nlohmann::json::parse(text, keep);
    } catch (const nlohmann::json::exception& e) {
      // Only on the way out: the reader every command shares names the line and field (1e400 at
      // measurements[0].samples[0]); what it cannot place is said as the streaming parser saw it.
      (void)ParseJsonInput(text, path);
      throw InputError(path, 0, fmt::format("not valid JSON: {}", e.what()));
    }
  }
  if (head.is_object() && head.contains("measurements") && !head["measurements"].is_array()) {
    throw InputError(path, 0, "malformed report: 'measurements' is not a list");
  }
  ReadHead(head, seen, links, out);
  return out;
}

DerivationReport SummariseForDerivation(const nlohmann::json& report, const std::string& path, const std::string& sha256) {
  DerivationReport out;
  out.path = path;
  out.sha256 = sha256;
  std::vector<Measurement> links;
  if (report.is_object() && report.contains("measurements")) {
    const nlohmann::json& measurements = report["measurements"];
    if (!measurements.is_array()) throw InputError(path, 0, "malformed report: 'measurements' is not a list");
    for (std::size_t i = 0; i < measurements.size(); ++i) Add(out, links, ParseMeasurement(measurements[i], path, i));
  }
  std::set<std::string> sections;
  if (report.is_object()) {
    for (const auto& item : report.items()) sections.insert(item.key());
  }
  ReadHead(report, sections, links, out);
  return out;
}

}  // namespace kiln
