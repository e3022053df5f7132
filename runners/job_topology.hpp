#pragma once
// Where every rank of the job runs: its node, the nodes in order, and the rank that speaks for each node.

#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/probe.hpp"
#include "reports/run_record.hpp"

namespace kiln {

struct JobTopology {
  std::vector<std::string> rank_nodes;  // node of each world rank
  std::vector<std::string> nodes;       // distinct, in order of first rank
  std::vector<NodeRecord> records;      // each node's hostname, machine identity and ranks
  std::vector<int> leaders;             // world rank that speaks for each node
  int my_node_index = 0;
  bool leader = false;

  const std::string& NodeOf(int rank) const { return rank_nodes[static_cast<std::size_t>(rank)]; }
  const std::string& MyNode() const { return nodes[static_cast<std::size_t>(my_node_index)]; }
};

// All ranks of `world` call it: each says where it runs (hostname and machine identity); each groups the same
// answers the same way (runners/node_discovery).
JobTopology DiscoverTopology(Communicator& world, bool rank_as_node, const Environment& env);

}  // namespace kiln
