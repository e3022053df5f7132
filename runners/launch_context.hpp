#pragma once
// How this process was started: by mpirun, by srun, or by hand (a single-process run).

#include <string>
#include <vector>

namespace kiln {

enum class Launcher { kNone, kMpirun, kSrun };

// Reads the environment the launchers set (OMPI_COMM_WORLD_SIZE, PMIX_RANK, SLURM_STEP_ID...).
Launcher DetectLauncher();
std::string_view ToString(Launcher launcher);

// `mpirun` over the hosts of `hostfile`, one rank per node, unbound (--allow-run-as-root when root), then the
// words of `extra` (split on blanks): the program and its arguments come after.
std::vector<std::string> MpirunOnePerNode(const std::string& hostfile, const std::string& extra);

}  // namespace kiln
