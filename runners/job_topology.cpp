#include "runners/job_topology.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/hostname.hpp"
#include "core/machine_identity.hpp"
#include "runners/node_discovery.hpp"

namespace kiln {

using nlohmann::json;

JobTopology DiscoverTopology(Communicator& world, bool rank_as_node, const Environment& env) {
  RankOrigin mine{LocalHostname(), ReadMachineIdentity(env)};
  // A hostname that is not UTF-8 is sent with U+FFFD in place of its bad bytes rather than stop this rank alone.
  std::vector<std::string> gathered =
      world.GatherToRoot(json(mine).dump(-1, ' ', false, json::error_handler_t::replace));
  json origins = json::array();
  for (const std::string& text : gathered) origins.push_back(json::parse(text));
  NodeGrouping grouping = GroupRanksIntoNodes(
      json::parse(world.BroadcastFromRoot(origins.dump())).get<std::vector<RankOrigin>>(), rank_as_node);
  JobTopology t;
  t.rank_nodes = std::move(grouping.rank_nodes);
  for (const NodeRecord& node : grouping.nodes) {
    t.nodes.push_back(node.name);
    t.leaders.push_back(node.ranks.front());
  }
  t.records = std::move(grouping.nodes);
  const std::string& node = t.rank_nodes[static_cast<std::size_t>(world.Rank())];
  t.my_node_index = static_cast<int>(std::find(t.nodes.begin(), t.nodes.end(), node) - t.nodes.begin());
  t.leader = t.leaders[static_cast<std::size_t>(t.my_node_index)] == world.Rank();
  return t;
}

}  // namespace kiln
