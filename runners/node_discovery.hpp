#pragma once
// Which ranks share a node: a node is a machine, not a hostname. Pure: no MPI here, the harness gathers the input.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "core/machine_identity.hpp"
#include "reports/run_record.hpp"

namespace kiln {

// Where one rank runs, as it sees it.
struct RankOrigin {
  std::string hostname;
  MachineIdentity identity;
};

struct NodeGrouping {
  std::vector<std::string> rank_nodes;  // the node name of each rank
  std::vector<NodeRecord> nodes;        // in order of their first rank: name, hostname, identity, ranks
};

// `ranks[r]` is rank r's origin. Ranks with one hostname and one identity are one node; with `rank_as_node` every
// rank is a node of its own, "host-rN". Two machines answering to one hostname are never merged: the one with the
// lowest rank is named by the hostname, the next "host~2", then "host~3", ... Every name is unique and differs from
// every rank's hostname but its own.
NodeGrouping GroupRanksIntoNodes(const std::vector<RankOrigin>& ranks, bool rank_as_node);

void to_json(nlohmann::json& j, const RankOrigin& origin);
void from_json(const nlohmann::json& j, RankOrigin& origin);

}  // namespace kiln
