#pragma once
// The fabric's tree, from Slurm's topology.conf (the tree plugin's format, which NVIDIA Topograph writes too):
//   SwitchName=leaf0 Nodes=node[0000-0031]      a leaf switch and the nodes under it
//   SwitchName=spine0 Switches=leaf[0-63]       a switch above other switches
// '#' starts a comment; LinkSpeed= is accepted and ignored. Nodes of the file that are not in the cluster are left
// out (a topology file describes the whole fabric, a search may cover part of it); a file that places none of them
// is an input error (a short-name/FQDN mismatch would otherwise switch every topology check off without a word).

#include <string>
#include <vector>

namespace kiln {

struct Topology {
  std::string path;
  std::vector<std::string> switches;
  std::vector<int> parent;   // per switch: the switch above it (-1: none)
  std::vector<int> leaf_of;  // per node of the cluster: its leaf switch (-1: not under any)

  int Find(const std::string& name) const;  // -1 when there is no such switch
  std::vector<int> NodesUnder(int leaf) const;
  // "leaf3" for a node under leaf3, "" for one the file does not place.
  std::string LeafName(int node) const;
};

// Throws InputError naming the file and line: an unknown key, a key twice on one line, a line without SwitchName,
// a node under two leaves, a switch named twice, Switches= naming a switch the file does not define, switches in
// a loop, a malformed hostlist; and naming the file: no node of the cluster placed.
Topology LoadTopology(const std::string& path, const std::vector<std::string>& nodes);

}  // namespace kiln
