#pragma once
// The report's `cluster.nodes`: each node's entry, read back, and checked against what the report measured.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "reports/run_record.hpp"

namespace kiln {

// {"name", "hostname", "identity", "ranks", "inventory"}; empty fields are left out (a simulated 65,536-node
// cluster is names only).
nlohmann::json NodeRecordsJson(const std::vector<NodeRecord>& nodes);

// The inverse of NodeRecordsJson. Throws nlohmann::json::exception on a field of the wrong type.
std::vector<NodeRecord> NodeRecordsFromJson(const nlohmann::json& nodes);

// A report judges the nodes it lists, once each: refuses (InputError naming `path` and the node) a `cluster.nodes`
// that is missing, empty or malformed, a node listed twice, and a measurement or step result of a node it does
// not list (its numbers would otherwise be judged on no node, or ignored).
void CheckNodeListing(const nlohmann::json& report, const std::string& path);

}  // namespace kiln
