#pragma once
// What the MPI probes share: the launch they need, the time of a collective (its slowest rank's), and the
// parameters and asked time of a collective's size sweep.

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/parameters.hpp"
#include "core/probe.hpp"

namespace kiln {

// Why a probe cannot run here: not launched under MPI, or a job with fewer than `at_least` ranks (with
// `exactly`, any other number). nullopt when it can.
std::optional<std::string> MpiLaunchProblem(const ProbeContext& ctx, int at_least, std::optional<int> exactly = {});

// Every rank calls it with its own seconds; returns the slowest rank's, which is the collective's time.
double SlowestRankSeconds(MPI_Comm comm, double seconds);

// Paces an MPI probe's work by the step's deadline, so that a slow network ends the step measured (what it
// reached, and why it went no further), not hung inside work it cannot finish before the watch gives up on it.
// Before each size and each sample (of a collective's size sweep, of mpi_link's streams) all ranks agree, in
// one small all-reduce, so that all leave at the same point and none waits forever in a collective the others
// left. They stop when any rank's stop was requested (the timeout, a signal), or when the work about to start,
// foreseen from what was measured and taken `margin` times, would end past the deadline.
class DeadlinePacer {
 public:
  DeadlinePacer(MPI_Comm comm, const ProbeContext& ctx, std::string operation, double margin = 1.5)
      : comm_(comm), ctx_(ctx), operation_(std::move(operation)), margin_(margin) {}
  // Before a size: stop when its least work (`iterations` iterations: the warm-up, one per sample) cannot end
  // in time. Its first size is never predicted.
  bool StopBeforeSize(std::uint64_t bytes, int iterations);
  // Before `iterations` more iterations (a sample, or warm-up calls) of `seconds` each, at the size being measured.
  bool StopBeforeSample(double seconds, int iterations);
  // One iteration of `bytes` took `seconds`: what the next size is predicted from.
  void Measured(std::uint64_t bytes, double seconds);
  // All ranks agreed to stop, at the last check.
  bool stopped() const { return stopped_; }
  // The sweep stopped because a rank's stop was requested (timeout or signal), not because it foresaw one.
  bool stop_requested() const { return requested_; }
  // Why it stopped when it was foreseen: "size 256MiB would take about 41s (6 all-reduces at the least); 12s
  // were left of the step's timeout".
  const std::string& why() const { return why_; }

 private:
  bool Agree(double predicted_seconds, const std::string& why);

  MPI_Comm comm_;
  const ProbeContext& ctx_;
  std::string operation_;
  double margin_;  // for the forecast's error and for what follows (checking, gathering the results)
  std::uint64_t last_bytes_ = 0;
  double last_seconds_ = 0;
  std::uint64_t bytes_ = 0;
  bool stopped_ = false;
  bool requested_ = false;
  std::string why_;
};

// The end of a paced sweep that measured `measured` of its `sizes` sizes. A requested stop is the step's timeout
// (a ProbeError, as the harness expects of a stopped probe). A foreseen one keeps what was measured and says why
// the sweep went no further ("slow, not hung"), or is an error when not one sample could be taken.
void FinishSweep(const DeadlinePacer& pacer, std::size_t measured, std::size_t sizes, ProbeOutcome& outcome);

// A size's warm-up: one call, the rest of `warmup`, then passes of about 5 ms (at least one call) until the time
// per call stops falling by half. A few calls of a small message end in microseconds, before the job's ranks and
// threads have settled from the step's start; a large message's first calls are far slower than the rest.
// `time_iterations` returns seconds per call. Before each batch after the first, `stop_before` (optional; a
// pacer's StopBeforeSample) may end the warm-up. Returns the last seconds per call, which sizes the samples.
double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup,
              const std::function<bool(double seconds, int iterations)>& stop_before = {});

// The thread level MPI was initialised at, as its constant is named: "MPI_THREAD_SINGLE" (for method strings).
std::string MpiThreadLevel();

// The parameters of a size sweep: sizes (with this default and help), warm-up, samples, sample time, iterations.
std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help);
// A sweep's asked time: a warm-up and the samples at each size.
Seconds SizeSweepAskedTime(const Parameters& p);

}  // namespace kiln
