#pragma once
// Simulated clusters for the bisection planner: virtual nodes with injected faults (CLUSTER.xml), and an
// executor that answers trials from them without MPI. Drives the real planner at any scale.
//
// <cluster name="sim" nodes="4096" prefix="node" seed="1" healthy_value="100" slow_value="10" sensitivity="32">
//   sensitivity: the largest group test of the simulated group probe in which one slow pair still shows (what
//   `kiln bisect --sensitivity` says of a real probe); default: the smallest max_group of the file's links
//   <fault kind="slow_node" node="node0017" min_group="2" alone="false"/>  shows in tests of >= min_group nodes
//   <fault kind="slow_link" a="node0005" b="node0900" max_group="32"/>    shows when both ends take part in a
//                                                                         test of at most max_group nodes (default:
//                                                                         any size): one slow pair diluted by the rest
//   <fault kind="hung_node" node="node3000"/>                             every test with it hangs
//   <fault kind="crash_node" node="node0100"/>                            every test with it crashes
//   <fault kind="flapping_node" node="node0012" probability="0.6"/>       fails that share of its tests
//   <fault kind="slow_switch" switch="leaf90"/>    every flow touching a node under that leaf (of --topology) is slow
//   <fault kind="slow_uplink" switch="leaf37"/>    flows between its nodes and other leaves' are slow, inside fine
// </cluster>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bisection/planner.hpp"

namespace kiln {

enum class FaultKind { kSlowNode, kSlowLink, kHungNode, kCrashNode, kFlappingNode, kSlowSwitch, kSlowUplink };

struct SimulatedFault {
  FaultKind kind = FaultKind::kSlowNode;
  int node = -1;           // the node (or a link's first end)
  int other = -1;          // a link's second end
  int min_group = 2;       // slow_node: smallest test that shows it (1 = also alone)
  double probability = 1;  // flapping_node
  std::string where;       // file:line
  int max_group = 0;       // slow_link: largest test that shows it (0 = any)
  std::string switch_name;  // slow_switch, slow_uplink: the leaf (node: its index once AttachTopology ran)
};

struct SimulatedCluster {
  std::string name;
  std::string path;
  std::vector<std::string> nodes;
  std::vector<SimulatedFault> faults;
  std::uint64_t seed = 1;
  double healthy_value = 100;
  double slow_value = 10;
  int sensitivity = 0;  // the simulated group probe's (0 = any size shows one slow pair)
  std::vector<int> leaf_of;  // per node: its leaf switch (AttachTopology), for the switch faults

  // The nodes and links a perfect search would accuse (flapping nodes included; switch faults left out).
  std::vector<std::vector<int>> Culprits() const;
};

// The largest simulated cluster: four times the largest measured (65,536 nodes in 4.7 s and 188 MiB), beyond any
// machine built; nodes="2000000000" is refused at once rather than ending in bad_alloc.
inline constexpr int kMaxSimulatedNodes = 262144;

// Throws InputError naming file and line: unknown element, attribute or fault kind, a node that is not in
// the cluster, a bad number, more than kMaxSimulatedNodes nodes.
SimulatedCluster LoadSimulatedCluster(const std::string& path);

struct Topology;
// Resolves the switch faults' names in the topology (InputError at the fault's line for a switch it does not
// define or one with no nodes under it); `topology` null: an error when the file has a switch fault.
void AttachTopology(SimulatedCluster& cluster, const Topology* topology);

class SimulatedExecutor : public TrialExecutor {
 public:
  explicit SimulatedExecutor(const SimulatedCluster& cluster);
  std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) override;

 private:
  TrialResult Judge(const Trial& trial);
  const SimulatedCluster& cluster_;
  std::vector<char> present_;  // scratch: members of the trial being judged
  std::mt19937_64 random_;
};

}  // namespace kiln
