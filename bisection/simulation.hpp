#pragma once
// Simulated clusters for the bisection planner: virtual nodes with injected faults (CLUSTER.xml), and an
// executor that answers trials from them without MPI. Drives the real planner at any scale.
//
// <cluster name="sim" nodes="4096" prefix="node" seed="1" healthy_value="100" slow_value="10">
//   <fault kind="slow_node" node="node0017" min_group="2" alone="false"/>  shows in tests of >= min_group nodes
//   <fault kind="slow_link" a="node0005" b="node0900"/>                   shows when both ends take part
//   <fault kind="hung_node" node="node3000"/>                             every test with it hangs
//   <fault kind="crash_node" node="node0100"/>                            every test with it crashes
//   <fault kind="flapping_node" node="node0012" probability="0.6"/>       fails that share of its tests
// </cluster>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bisection/planner.hpp"

namespace kiln {

enum class FaultKind { kSlowNode, kSlowLink, kHungNode, kCrashNode, kFlappingNode };

struct SimulatedFault {
  FaultKind kind = FaultKind::kSlowNode;
  int node = -1;           // the node (or a link's first end)
  int other = -1;          // a link's second end
  int min_group = 2;       // slow_node: smallest test that shows it (1 = also alone)
  double probability = 1;  // flapping_node
  std::string where;       // file:line
};

struct SimulatedCluster {
  std::string name;
  std::string path;
  std::vector<std::string> nodes;
  std::vector<SimulatedFault> faults;
  std::uint64_t seed = 1;
  double healthy_value = 100;
  double slow_value = 10;

  // The nodes and links a perfect search would accuse (flapping nodes included).
  std::vector<std::vector<int>> Culprits() const;
};

// The largest simulated cluster: four times the largest measured (65,536 nodes in 4.7 s and 188 MiB), beyond any
// machine built; nodes="2000000000" is refused at once rather than ending in bad_alloc.
inline constexpr int kMaxSimulatedNodes = 262144;

// Throws InputError naming file and line: unknown element, attribute or fault kind, a node that is not in
// the cluster, a bad number, more than kMaxSimulatedNodes nodes.
SimulatedCluster LoadSimulatedCluster(const std::string& path);

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
