// Slurm's srun: ranks on the nodes of the current allocation, as one job step.

#include <cstdlib>

#include "runners/launchers/launchers.hpp"

namespace kiln {
namespace {

class Srun final : public Launcher {
 public:
  std::string_view Name() const override { return "srun"; }
  // srun sets SLURM_STEP_ID for every task; an allocation alone (salloc, sbatch) does not.
  bool StartedThisProcess() const override {
    return std::getenv("SLURM_STEP_ID") != nullptr && std::getenv("SLURM_PROCID") != nullptr;
  }
  bool PreferredHere() const override { return std::getenv("SLURM_JOB_ID") != nullptr; }
  std::vector<std::string> LaunchCommand(const LaunchShape& shape) const override {
    std::vector<std::string> command = Placement(shape);
    command.insert(command.end(), shape.extra.begin(), shape.extra.end());
    return command;
  }
  std::vector<std::string> TrialCommand(const LaunchShape& shape) const override {
    std::vector<std::string> command = Placement(shape);
    command.push_back("--kill-on-bad-exit=1");
    command.insert(command.end(), shape.extra.begin(), shape.extra.end());
    return command;
  }
  std::vector<std::string> AnswerCommand(const std::string& host, const std::vector<std::string>& extra) const override {
    std::vector<std::string> command{"srun", "--nodes", "1", "--ntasks", "1", "--nodelist", host};
    command.insert(command.end(), extra.begin(), extra.end());
    command.push_back("true");
    return command;
  }

 private:
  // N tasks on each listed node, one GPU each when asked (--gpus-per-task=1: Slurm binds it to the task).
  static std::vector<std::string> Placement(const LaunchShape& shape) {
    std::vector<std::string> command{"srun", "--nodes", std::to_string(shape.hosts), "--ntasks-per-node",
                                     std::to_string(shape.ranks_per_node), "--nodelist", shape.hostfile};
    if (shape.gpu_per_rank) command.push_back("--gpus-per-task=1");
    return command;
  }
};

}  // namespace

const Launcher& SrunLauncher() {
  static const Srun launcher;
  return launcher;
}

}  // namespace kiln
