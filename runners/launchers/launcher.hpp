#pragma once
// A launcher: what starts Kiln's ranks on many nodes (mpirun, srun). Each launcher is one file in this folder and
// one line in launchers.cpp; callers hold a `const Launcher&` and never compare launcher names.

#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// The job a launcher is asked to start; the program and its arguments follow the command.
struct LaunchShape {
  std::string hostfile;            // Open MPI format, one host a line
  std::size_t hosts = 0;           // how many hosts it names
  int ranks_per_node = 1;          // --gpus-per-node: one rank per GPU
  bool gpu_per_rank = false;       // ask the launcher to give each rank a GPU of its own (Slurm's GRES)
  std::vector<std::string> extra;  // the user's words for the launcher, after Kiln's own
  std::vector<std::string> names = {};  // the hosts, in the hostfile's order (bisection trials; may be left empty)
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // "mpirun", "srun": what `--launcher` takes and the report's run.launcher says.
  virtual std::string_view Name() const = 0;
  // Whether this process is a rank this launcher started (read from the variables it sets in every rank).
  virtual bool StartedThisProcess() const = 0;
  // Whether `--launcher auto` takes this one here (srun inside a Slurm allocation); asked in list order.
  virtual bool PreferredHere() const = 0;
  // Starts `ranks_per_node` ranks on every host of the hostfile, unbound.
  virtual std::vector<std::string> LaunchCommand(const LaunchShape& shape) const = 0;
  // One bisection trial: the same job, and it ends as a whole when one rank fails.
  virtual std::vector<std::string> TrialCommand(const LaunchShape& shape) const = 0;
  // Variables ("NAME=value") a trial's launcher needs beside this process's environment; none by default.
  virtual std::vector<std::string> TrialEnvironment(const LaunchShape& /*shape*/) const { return {}; }
  // Runs `true` on `host` alone through the launcher's own way in (mpirun: its ssh agent; srun: slurmd): what
  // tells a host that does not answer from a job that failed.
  virtual std::vector<std::string> AnswerCommand(const std::string& host, const std::vector<std::string>& extra) const = 0;
  // After an interrupt (SIGINT twice), how long it gets to stop its job on every node before it is killed.
  virtual double InterruptGraceSeconds() const { return 15; }
};

}  // namespace kiln
