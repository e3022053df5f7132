#pragma once
// What the MPI probes share: the launch they need, the time of a collective (its slowest rank's), and the
// parameters and asked time of a collective's size sweep.

#include <mpi.h>

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

// True on every rank when any rank has a reason to stop (`stop_here`: its stop was requested, its time is up): one
// small all-reduce, so that all leave at the same point and none waits forever in a collective the others left.
bool AnyRankStopped(MPI_Comm comm, bool stop_here);

// A size's warm-up: `warmup` timed iterations of `time_iterations` (which returns seconds per iteration), then, if
// they were over in under 5 ms, as many more as fill 5 ms: a few calls of a small message end in microseconds,
// before the job's ranks and threads have settled from the step's start. Returns the last seconds per iteration,
// the estimate that sizes the samples.
double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup);

// The thread level MPI was initialised at, as its constant is named: "MPI_THREAD_SINGLE" (for method strings).
std::string MpiThreadLevel();

// The parameters of a size sweep: sizes (with this default and help), warm-up, samples, sample time, iterations.
std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help);
// A sweep's asked time: a warm-up and the samples at each size.
Seconds SizeSweepAskedTime(const Parameters& p);

}  // namespace kiln
