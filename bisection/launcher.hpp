#pragma once
// Runs bisection trials for real: each trial is its own MPI job (`mpirun` or `srun` on the trial's hosts)
// of `kiln run` with a one-step suite, bounded by a timeout, so that a node that hangs or crashes a job
// costs one bounded trial and takes nothing else down. All trials of a round run at the same time. Each
// trial keeps its folder (suite, hostfile, report, launcher output) under the work folder, and each round
// writes its results (work/roundNNNN/results.json) as soon as it ends.

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "bisection/planner.hpp"
#include "runners/launchers/launchers.hpp"

namespace kiln {

// The step a trial of one kind runs.
struct TrialStep {
  std::string phase;  // health | node | pair | group
  std::string probe;
  std::map<std::string, std::string> params;
  double timeout_s = 120;
};

struct LauncherOptions {
  std::string kiln_binary;
  const Launcher* launcher = &MpirunLauncher();
  std::vector<std::string> launcher_args;  // extra words for the launcher
  int ranks_per_node = 1;                  // --gpus-per-node: one rank per GPU
  bool gpu_per_rank = false;               // each rank asks the launcher for a GPU of its own
  std::string baseline_path;
  std::vector<std::string> hosts;  // node names; a node's number is its place here
  std::string work_dir;
  double launch_slack_s = 60;  // on top of the step's timeout: starting and ending the job
  int parallel = 32;           // most jobs running at once
  // After a trial's time is up, how long the launcher gets to stop its job on every node (it is interrupted
  // like a user at its terminal would) before it is killed; unset: the launcher's own grace.
  std::optional<double> interrupt_grace_s;
  bool quiet = false;
  std::map<TrialKind, std::vector<TrialStep>> steps;  // what a trial of each kind runs, in order
  // Node trials: the metric (higher is better) whose value the planner compares across nodes; "" for none.
  std::string peer_metric;
  // Set on SIGINT/SIGTERM: running jobs are killed and every trial from then on is "skipped", so the planner
  // accuses nobody more and the report of what was found so far gets written.
  const std::atomic<bool>* interrupted = nullptr;
};

class LaunchingExecutor : public TrialExecutor {
 public:
  explicit LaunchingExecutor(LauncherOptions options);
  std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) override;
  bool interrupted() const { return options_.interrupted != nullptr && options_.interrupted->load(); }

  // The command that runs one trial, and the variables its launcher gets beside this process's (exposed for tests).
  std::vector<std::string> Command(const std::vector<std::string>& hosts, const std::string& dir) const;
  std::vector<std::string> Environment(const std::vector<std::string>& hosts, const std::string& dir) const {
    return options_.launcher->TrialEnvironment(Shape(hosts, dir));
  }

 private:
  TrialResult RunTrial(const Trial& trial, const std::string& dir, std::stop_token stop) const;
  LaunchShape Shape(const std::vector<std::string>& hosts, const std::string& dir) const;
  // After a job ended without a report: which of its hosts do not answer alone through the launcher, and why
  // ("" when all do). Each host is asked once per bisection.
  std::string HostsThatDoNotAnswer(const std::vector<std::string>& hosts) const;
  LauncherOptions options_;
  int round_ = 0;
  mutable std::mutex answers_mutex_;
  mutable std::map<std::string, std::string> answers_;  // host -> why it did not answer ("" when it did)
};

// What a trial's folder says: its report.json, or how the launch ended when there is none. The value is the
// worst judged number of `probe`, or, when `peer_metric` is measured, that measurement's median.
TrialResult JudgeTrialReport(const std::string& report_path, const std::string& probe,
                             const std::string& peer_metric = "");

}  // namespace kiln
