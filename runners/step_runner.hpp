#pragma once
// Runs one step's probe on this rank and turns its outcome into the rank's report; and the line that says how a
// step went.

#include <memory>
#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/probe.hpp"
#include "runners/harness.hpp"
#include "runners/job_topology.hpp"
#include "runners/rank_report.hpp"
#include "runners/hang_watch.hpp"

namespace kiln {

// After a step's timeout, a probe has this long to stop on its own; a node probe that does not is abandoned.
inline constexpr Seconds kProbeGrace{2};

class StepRunner {
 public:
  StepRunner(Communicator& world, const RunOptions& options, const JobTopology& topology)
      : world_(world), options_(options), topology_(topology) {}

  // Runs `step` on this rank with `comm` (whose ranks stand for `members`) under the step's timeout. A node probe
  // (no MPI) runs on a thread of its own and is abandoned if it hangs; a pair or group probe runs here, on the
  // thread that may call MPI, under `watch`. Every rank of `comm` calls it for a pair or group probe.
  RankReport RunProbe(const SuiteStep& step, std::shared_ptr<Communicator> comm, std::vector<std::string> members,
                      const Subject& subject, HangWatch* watch = nullptr,
                      std::shared_ptr<ProbeProgress> progress = std::make_shared<ProbeProgress>());
  // Some node probe ignored its stop and still runs on a thread of its own.
  bool abandoned() const { return abandoned_; }

 private:
  ProbeOutcome RunWatched(Probe& probe, ProbeContext& ctx, const SuiteStep& step, HangWatch& watch,
                          Seconds& elapsed, bool& timed_out) const;
  RankReport Reported(RankReport report, const SuiteStep& step, const ProbeOutcome& outcome, Seconds elapsed,
                      bool timed_out) const;

  Communicator& world_;
  const RunOptions& options_;
  const JobTopology& topology_;
  bool abandoned_ = false;
};

// "  done in 12s: 8 measured, 1 timeout (worst: node7: timed out after 30s ...)": how the step went, before judging.
std::string StepResultLine(const StepRecord& step, Seconds elapsed);

}  // namespace kiln
