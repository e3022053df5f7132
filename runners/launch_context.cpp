#include "runners/launch_context.hpp"

#include "probes/health/node_inventory.hpp"

namespace kiln {

std::string_view LauncherName(const Launcher* launcher) { return launcher ? launcher->Name() : "single"; }

RanksPerNode ChooseRanksPerNode(int gpus_per_node, const std::string& sysfs_root) {
  int gpus = gpus_per_node > 0 ? gpus_per_node : CountNvidiaGpusOnPci(sysfs_root);
  if (gpus <= 0) return {1, false};
  return {gpus, true};
}

}  // namespace kiln
