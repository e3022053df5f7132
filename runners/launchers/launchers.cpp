#include "runners/launchers/launchers.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace kiln {

const std::vector<const Launcher*>& AllLaunchers() {
  // srun first: a rank srun started under --mpi=pmix also has mpirun's PMIX_RANK.
  static const std::vector<const Launcher*> launchers{&SrunLauncher(), &MpirunLauncher()};
  return launchers;
}

const Launcher& LauncherNamed(std::string_view name, std::string_view option) {
  std::string names = "auto";
  for (const Launcher* launcher : AllLaunchers()) {
    if (launcher->Name() == name) return *launcher;
    names += fmt::format(", {}", launcher->Name());
  }
  throw InputError(fmt::format("{} '{}' must be one of {}", option, name, names));
}

const Launcher& ChooseLauncher(std::string_view wanted, std::string_view option) {
  if (wanted != "auto") return LauncherNamed(wanted, option);
  for (const Launcher* launcher : AllLaunchers()) {
    if (launcher->PreferredHere()) return *launcher;
  }
  return MpirunLauncher();
}

const Launcher* DetectLauncher() {
  for (const Launcher* launcher : AllLaunchers()) {
    if (launcher->StartedThisProcess()) return launcher;
  }
  return nullptr;
}

}  // namespace kiln
