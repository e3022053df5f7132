// Open MPI's mpirun: ranks on the hosts of a hostfile, started through its launch agent (ssh by default).

#include <unistd.h>

#include <cstdlib>

#include "runners/launchers/launchers.hpp"

namespace kiln {
namespace {

class Mpirun final : public Launcher {
 public:
  std::string_view Name() const override { return "mpirun"; }
  bool StartedThisProcess() const override {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
           std::getenv("PMI_RANK") != nullptr;
  }
  bool PreferredHere() const override { return true; }  // the default, outside Slurm
  std::vector<std::string> LaunchCommand(const LaunchShape& shape) const override {
    // ppr:N:node places N ranks on each host, whatever slots= the hostfile gives (npernode's meaning).
    std::vector<std::string> command{"mpirun", "--hostfile", shape.hostfile, "--map-by",
                                     "ppr:" + std::to_string(shape.ranks_per_node) + ":node", "--bind-to", "none"};
    if (::geteuid() == 0) command.push_back("--allow-run-as-root");
    command.insert(command.end(), shape.extra.begin(), shape.extra.end());
    return command;
  }
  std::vector<std::string> AnswerCommand(const std::string& host, const std::vector<std::string>& extra) const override {
    std::vector<std::string> command{"mpirun", "--host", host, "-np", "1", "--bind-to", "none"};
    if (::geteuid() == 0) command.push_back("--allow-run-as-root");
    command.insert(command.end(), extra.begin(), extra.end());
    command.push_back("true");
    return command;
  }
  // mpirun ends the whole job when a rank exits with an error already.
  std::vector<std::string> TrialCommand(const LaunchShape& shape) const override { return LaunchCommand(shape); }
};

}  // namespace

const Launcher& MpirunLauncher() {
  static const Mpirun launcher;
  return launcher;
}

}  // namespace kiln
