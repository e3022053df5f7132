#pragma once
// Every rank's watch over the step (or round of pairs) it is in: the heartbeat, the stop at the step's timeout,
// what a signal does during a collective, and the end of the job when this rank's main thread is still in the step
// well past its timeout (a hang: rank 0 names whom it still waits for and writes the report). The heartbeat: each
// rank sends rank 0 its state (runners/state_channel), and rank 0, whenever the run has been quiet for 5 s, prints
// a line with its own probe's progress and the rank that holds the step up, or is silent.

#include <chrono>
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
#include "runners/state_channel.hpp"

namespace kiln {

// Which step a watch is over, and in a pair step which round (from 0) of how many.
struct StepPlace {
  std::size_t step = 0;
  int round = 0;
  int rounds = 0;
};

class StepWatch {
 public:
  StepWatch(Communicator& world, const Suite& suite, const RunOptions& options, const JobTopology& topology,
            RunRecorder& recorder, const RunProgress& progress);

  // All ranks, once, before the first step: opens the channel the ranks' states travel on (none under --quiet).
  void Connect();
  // Every rank, as a step (or a round of pairs) starts: a watch over it, from the MPI calls that set it up to the
  // gathering of its results. A `collective` one requests the probe's stop at the timeout (a node probe's own
  // watchdog does that) and handles signals (CollectiveHooks); every one ends the job if this thread is still in
  // the step well after the timeout. `subject_of` says what a world rank tests in it; `progress` is what this
  // rank's probe says.
  std::unique_ptr<HangWatch> Watch(StepPlace place, std::function<Subject(int)> subject_of,
                                   std::shared_ptr<ProbeProgress> progress, bool collective);

  // Main thread: this rank is past its probe, taking (rank 0) or sending results.
  void Gathering();
  // Rank 0's main thread, as `rank`'s results arrive: marks it arrived and runs `record` under the record's lock.
  void Arrived(int rank, const std::function<void()>& record);

 private:
  // The hooks of a pair or group step: on a signal the report of the steps before it at once (the step is not
  // stopped: its ranks finish the collective together, but mpirun kills them moments after forwarding SIGTERM). A
  // job of one rank has nobody to finish with: a signal stops its probe.
  WatchHooks CollectiveHooks(const SuiteStep& step);
  // On the watch's thread: rank 0 prints the heartbeat if the run was quiet long enough; the others send their state.
  void Beat(Seconds elapsed);
  // The caller holds the record's lock.
  RankState MyState() const;
  void SendState() const;
  std::string Others() const;  // "; slowest: rank 2 on node-b, ..." or empty
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
  std::unique_ptr<StateChannel> channel_;
  // What the current step's watch needs to know when it fires; guarded by the recorder's mutex.
  struct Watched {
    StepPlace place;
    std::function<Subject(int)> subject_of;  // what a world rank is testing in it
    std::shared_ptr<ProbeProgress> progress;
    bool gathering = false;                  // this rank's main thread is past its probe, taking or sending results
    std::chrono::steady_clock::time_point since;  // when it started its probe, or gathering
    std::vector<char> arrived;               // rank 0: whose results it has
  };
  Watched watched_;
};

}  // namespace kiln
