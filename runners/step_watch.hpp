#pragma once
// Every rank's watch over the step (or round of pairs) it is in: the heartbeat lines, the stop at the step's
// timeout, what a signal does during a collective, and the end of the job when this rank's main thread is still in
// the step well past its timeout (a hang: rank 0 names whom it still waits for and writes the report).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/probe.hpp"
#include "runners/hang_watch.hpp"
#include "runners/harness.hpp"
#include "runners/job_topology.hpp"
#include "runners/run_progress.hpp"
#include "runners/run_recorder.hpp"

namespace kiln {

// After a step's timeout, a probe has this long to stop on its own; a node probe that does not is abandoned.
inline constexpr Seconds kProbeGrace{2};

class StepWatch {
 public:
  StepWatch(Communicator& world, const Suite& suite, const RunOptions& options, const JobTopology& topology,
            RunRecorder& recorder, const RunProgress& progress);

  // Every rank, as a step (or a round of pairs) starts: a watch over it, from the MPI calls that set it up to the
  // gathering of its results. It requests the probe's stop at the timeout (`stop` false: a node probe's own
  // watchdog does that) and, if this thread is still in the step well after, ends the job. `subject_of` says what a
  // world rank tests in it; `round` is "round 3/7" in a pair step.
  std::unique_ptr<HangWatch> Watch(std::size_t step, std::string round, std::function<Subject(int)> subject_of,
                                   bool stop, WatchHooks hooks = {});
  // Rank 0 says every 10 s that a long step is alive and what its probe is doing.
  WatchHooks Heartbeat(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress, const std::string& node);
  // The hooks of a pair or group step: the heartbeat, and on a signal the report of the steps before it at once
  // (the step is not stopped: its ranks finish the collective together, but mpirun kills them moments after
  // forwarding SIGTERM). A job of one rank has nobody to finish with: a signal stops its probe.
  WatchHooks CollectiveHooks(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress);

  // Main thread: this rank is past its probe, taking (rank 0) or sending results.
  void Gathering();
  // Rank 0's main thread, as `rank`'s results arrive: marks it arrived and runs `record` under the record's lock.
  void Arrived(int rank, const std::function<void()>& record);

 private:
  // On the watch's thread, which may not call MPI, when this rank's main thread is stuck in a step. Rank 0 records
  // who it is still waiting for, writes the report and ends the job; the others end themselves later (rank 0
  // first writes, unless it is the one frozen). Never returns.
  [[noreturn]] void OnHang(Seconds elapsed);
  // Rank 0, holding the record's lock: a timeout result for each rank it still waits for (or itself).
  std::vector<StepResult> HungResults(Seconds elapsed, const std::string& what) const;

  Communicator& world_;
  const Suite& suite_;
  const RunOptions& options_;
  const JobTopology& topology_;
  RunRecorder& recorder_;
  const RunProgress& progress_;
  // What the current step's watch needs to know when it fires; guarded by the recorder's mutex.
  struct Watched {
    std::size_t step = 0;
    std::string round;                       // "round 3/7" in a pair step
    std::function<Subject(int)> subject_of;  // what a world rank is testing in it
    bool gathering = false;                  // rank 0's main thread is past its probe, taking results
    std::vector<char> arrived;               // rank 0: whose results it has
  };
  Watched watched_;
};

}  // namespace kiln
