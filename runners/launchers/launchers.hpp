#pragma once
// The launchers Kiln knows, in the order `--launcher auto` and the detection of a rank's launcher ask them.
// Adding a launcher: a file beside mpirun.cpp with a class deriving from Launcher and a function returning it,
// declared here, and one line in AllLaunchers() (launchers.cpp).

#include <string_view>
#include <vector>

#include "runners/launchers/launcher.hpp"

namespace kiln {

const Launcher& MpirunLauncher();
const Launcher& SrunLauncher();

const std::vector<const Launcher*>& AllLaunchers();

// The launcher called `name`; throws InputError naming `option` and the choices for another name.
const Launcher& LauncherNamed(std::string_view name, std::string_view option = "--launcher");
// `auto`: the first launcher that is preferred here (srun in a Slurm allocation, else mpirun); else by name.
const Launcher& ChooseLauncher(std::string_view wanted, std::string_view option = "--launcher");
// The launcher that started this process, or nullptr when none did (a single process).
const Launcher* DetectLauncher();

}  // namespace kiln
