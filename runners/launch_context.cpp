#include "runners/launch_context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace kiln {

Launcher DetectLauncher() {
  // srun sets SLURM_STEP_ID for every task; an allocation alone (salloc, sbatch) does not.
  if (std::getenv("SLURM_STEP_ID") != nullptr && std::getenv("SLURM_PROCID") != nullptr) return Launcher::kSrun;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
      std::getenv("PMI_RANK") != nullptr) {
    return Launcher::kMpirun;
  }
  return Launcher::kNone;
}

std::string_view ToString(Launcher launcher) {
  switch (launcher) {
    case Launcher::kNone: return "single";
    case Launcher::kMpirun: return "mpirun";
    case Launcher::kSrun: return "srun";
  }
  return "single";
}

std::vector<std::string> MpirunOnePerNode(const std::string& hostfile, const std::string& extra) {
  std::vector<std::string> command{"mpirun", "--hostfile", hostfile, "--map-by", "ppr:1:node", "--bind-to", "none"};
  if (::geteuid() == 0) command.push_back("--allow-run-as-root");
  std::istringstream words(extra);
  for (std::string word; words >> word;) command.push_back(word);
  return command;
}

}  // namespace kiln
