#pragma once
// How this process was started (by a launcher of runners/launchers, or by hand), and how many ranks a launch
// puts on each node.

#include <string>
#include <string_view>

#include "runners/launchers/launchers.hpp"

namespace kiln {

// The report's run.launcher: the launcher's name, "single" for a process started by hand (nullptr).
std::string_view LauncherName(const Launcher* launcher);

// Ranks per node of a launch: one per GPU, each given its GPU.
struct RanksPerNode {
  int ranks = 1;
  bool gpu_per_rank = false;
};

// `--gpus-per-node N` when given (N > 0); otherwise this machine's NVIDIA GPUs on the PCI bus (what the health
// probe's inventory counts, driver or not, under `sysfs_root`), and one rank without a GPU when there is none.
RanksPerNode ChooseRanksPerNode(int gpus_per_node, const std::string& sysfs_root);

}  // namespace kiln
