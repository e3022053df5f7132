#include "reports/report_nodes.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/errors.hpp"

namespace kiln {

using nlohmann::json;

json NodeRecordsJson(const std::vector<NodeRecord>& nodes) {
  json list = json::array();
  for (const NodeRecord& node : nodes) {
    json entry{{"name", node.name}};
    if (!node.hostname.empty()) entry["hostname"] = node.hostname;
    if (!node.identity.Unknown() || !node.hostname.empty()) entry["identity"] = node.identity;
    if (!node.ranks.empty()) entry["ranks"] = node.ranks;
    if (!node.inventory.is_null()) entry["inventory"] = node.inventory;
    list.push_back(std::move(entry));
  }
  return list;
}

std::vector<NodeRecord> NodeRecordsFromJson(const json& nodes) {
  std::vector<NodeRecord> records;
  for (const json& node : nodes) {
    NodeRecord record;
    record.name = node.at("name").get<std::string>();
    record.ranks = node.value("ranks", std::vector<int>{});
    record.inventory = node.value("inventory", json());
    record.hostname = node.value("hostname", "");
    record.identity = node.value("identity", MachineIdentity{});
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

// Throws unless every node `subject` names is listed; `what` says where it was found.
void RequireListed(const std::set<std::string>& listed, const Subject& subject, const std::string& what,
                   const std::string& path) {
  for (const std::string& node : subject.nodes) {
    if (!listed.contains(node)) {
      throw InputError(path, 0, fmt::format("{} is of node '{}', which cluster.nodes does not list: a report judges "
                                            "the nodes it lists, each once", what, node));
    }
  }
}

}  // namespace

void CheckNodeListing(const json& report, const std::string& path) {
  const json* nodes = nullptr;
  if (report.at("cluster").is_object() && report.at("cluster").contains("nodes")) nodes = &report["cluster"]["nodes"];
  if (nodes == nullptr || !nodes->is_array()) throw InputError(path, 0, "cluster.nodes must list the report's nodes");
  std::vector<NodeRecord> records;
  try {
    records = NodeRecordsFromJson(*nodes);
  } catch (const std::exception& e) {
    throw InputError(path, 0, fmt::format("malformed cluster.nodes: {}", e.what()));
  }
  std::map<std::string, std::size_t> first_entry;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto [it, fresh] = first_entry.emplace(records[i].name, i);
    if (!fresh) {
      throw InputError(path, 0, fmt::format("node '{}' is listed twice in cluster.nodes (entries {} and {}): a node "
                                            "counts once", records[i].name, it->second + 1, i + 1));
    }
  }
  std::set<std::string> listed;
  for (const auto& [name, index] : first_entry) listed.insert(name);
  try {
    const json& measurements = report.at("measurements");
    for (std::size_t i = 0; i < measurements.size(); ++i) {
      RequireListed(listed, measurements[i].at("subject").get<Subject>(),
                    fmt::format("measurement {} ({})", i + 1, measurements[i].value("metric", "")), path);
    }
    for (const json& step : report.value("steps", json::array())) {
      for (const json& result : step.value("results", json::array())) {
        std::string what = fmt::format("a result of step {}", step.value("probe", ""));
        RequireListed(listed, result.at("subject").get<Subject>(), what, path);
        if (result.contains("node")) RequireListed(listed, Subject::Node(result["node"].get<std::string>()), what, path);
      }
    }
  } catch (const KilnError&) {
    throw;
  } catch (const std::exception& e) {  // a field of the wrong type, an unknown subject kind
    throw InputError(path, 0, fmt::format("malformed report: {}", e.what()));
  }
  if (records.empty()) throw InputError(path, 0, "cluster.nodes lists no node: a run has at least one");
}

}  // namespace kiln
