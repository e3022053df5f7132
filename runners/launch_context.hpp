#pragma once
// How this process was started: by mpirun, by srun, or by hand (a single-process run).

#include <string>

namespace kiln {

enum class Launcher { kNone, kMpirun, kSrun };

// Reads the environment the launchers set (OMPI_COMM_WORLD_SIZE, PMIX_RANK, SLURM_STEP_ID...).
Launcher DetectLauncher();
std::string_view ToString(Launcher launcher);

}  // namespace kiln
