#include "runners/node_discovery.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace kiln {
namespace {

// `base`, or "base~2", "base~3", ...: the first that is neither reserved nor used yet.
std::string FreeName(const std::string& base, const std::set<std::string>& reserved, const std::set<std::string>& used) {
  if (!reserved.contains(base) && !used.contains(base)) return base;
  for (int k = 2;; ++k) {
    std::string name = fmt::format("{}~{}", base, k);
    if (!reserved.contains(name) && !used.contains(name)) return name;
  }
}

using OriginKey = std::tuple<std::string, std::string, std::string, std::string>;

OriginKey KeyOf(const RankOrigin& origin) {
  const MachineIdentity& id = origin.identity;
  return {origin.hostname, id.machine_id, id.boot_id, id.serial};
}

}  // namespace

NodeGrouping GroupRanksIntoNodes(const std::vector<RankOrigin>& ranks, bool rank_as_node) {
  NodeGrouping grouping;
  std::set<std::string> reserved;  // hostnames: a generated name must not take one another node will be called
  if (!rank_as_node) {
    for (const RankOrigin& origin : ranks) reserved.insert(origin.hostname);
  }
  std::set<std::string> used;
  std::set<std::string> hostnames_named;   // hostnames whose first machine has its node
  std::map<OriginKey, std::size_t> node_of_origin;  // (hostname, identity) -> index in grouping.nodes
  for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
    const RankOrigin& origin = ranks[rank];
    std::size_t index = grouping.nodes.size();
    auto [it, fresh] = node_of_origin.emplace(KeyOf(origin), index);
    if (rank_as_node || fresh) {
      std::string name;
      if (rank_as_node) {
        name = FreeName(fmt::format("{}-r{}", origin.hostname, rank), reserved, used);
      } else if (hostnames_named.insert(origin.hostname).second) {
        name = origin.hostname;  // the first machine of its hostname: never taken, generated names avoid it
      } else {
        name = FreeName(origin.hostname, reserved, used);
      }
      used.insert(name);
      NodeRecord node;
      node.name = std::move(name);
      node.hostname = origin.hostname;
      node.identity = origin.identity;
      grouping.nodes.push_back(std::move(node));
    } else {
      index = it->second;
    }
    grouping.nodes[index].ranks.push_back(static_cast<int>(rank));
    grouping.rank_nodes.push_back(grouping.nodes[index].name);
  }
  return grouping;
}

void to_json(nlohmann::json& j, const RankOrigin& origin) {
  j = nlohmann::json{{"hostname", origin.hostname}, {"identity", origin.identity}};
}

void from_json(const nlohmann::json& j, RankOrigin& origin) {
  origin.hostname = j.at("hostname").get<std::string>();
  origin.identity = j.at("identity").get<MachineIdentity>();
}

}  // namespace kiln
