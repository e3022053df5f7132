#pragma once
// Rank 0's record of the run: the output folder it claimed, the RunRecord and the journal its results go to as
// they arrive, the burn-in log across iterations, why the run stopped early, and the reports it writes (final,
// interim on a signal, after a hang). Other ranks hold an empty one. A watch's thread writes reports while the
// main thread may be gathering: both hold mutex() then.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_bundle.hpp"
#include "reports/run_record.hpp"
#include "runners/burnin_log.hpp"
#include "runners/harness.hpp"
#include "runners/job_topology.hpp"
#include "runners/rank_report.hpp"
#include "runners/run_progress.hpp"

namespace kiln {

class RunRecorder {
 public:
  RunRecorder(const Suite& suite, const BaselineChoice& baseline, const ProbeRegistry& registry,
              const RunOptions& options, const JobTopology& topology, const RunProgress& progress);

  // Rank 0, before any step: claims --out (locked until the report is written), makes its journal folder, starts
  // the record of `ranks` ranks and, in a burn-in, opens or resumes its log. Throws KilnError if the report could
  // not be written there.
  void Open(int ranks);
  // Rank 0, as each report arrives: into the record, and a line in journal/NODE.jsonl at once.
  void Accept(std::size_t step, const RankReport& report);
  // Rank 0, between burn-in iterations: the last iteration is on disk; memory starts afresh.
  void ClearIteration();
  // Rank 0, after a burn-in iteration ran every step, `iteration_s` long: logs it and says how it went. True while
  // burn-in time is left.
  bool EndIteration(double iteration_s);
  // Why the run stopped early ("stopped by a signal after step 3/9 ..."), for the report's verdict.
  void Stop(std::string why) { interruption_ = std::move(why); }
  const std::string& interruption() const { return interruption_; }

  // Rank 0, on a watch's thread, on a signal during a pair or group step: the report of the steps before it, at
  // once and outside the chain (the final report, if the ranks get the time, replaces it and is the one chained).
  // Takes mutex().
  void WriteInterimReport(const SuiteStep& step);
  // Rank 0, on a watch's thread, holding mutex(), when the watchdog ends the job: records `hung` in step `step`,
  // writes the report and runs RunOptions::finish. Returns the exit code.
  int WriteHungReport(std::size_t step, const std::vector<StepResult>& hung, std::string why);
  // Rank 0: judges the record and writes the report (chained unless `chained` is false) into `result`.
  void Finish(HarnessResult& result, bool chained = true);

  const StepRecord& step(std::size_t index) const { return record_.steps[index]; }
  std::mutex& mutex() { return mutex_; }

 private:
  void BeginRecord(int ranks);
  std::vector<Verdict> IterationVerdicts();  // what the current iteration measured (or failed to)
  void CheckHostsJoined(std::vector<Verdict>& verdicts) const;

  const Suite& suite_;
  const BaselineChoice& baseline_;
  const ProbeRegistry& registry_;
  const RunOptions& options_;
  const JobTopology& topology_;
  const RunProgress& progress_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  RunRecord record_;
  std::mutex mutex_;
  std::optional<BurnInLog> burnin_;  // burn-in runs
  OutFolderClaim out_claim_;         // --out locked until the report is written
  bool iteration_recorded_ = false;  // the current record_ is the last iteration in the burn-in log
  std::string interruption_;         // why the run stopped early, if it did
};

}  // namespace kiln
