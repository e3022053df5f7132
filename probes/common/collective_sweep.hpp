#pragma once
// One size sweep for every collective probe (mpi_allreduce, mpi_alltoall, nccl), shaped like nccl-tests' engine:
// the sweep owns the sizes, the pacing by the step's deadline, the warm-up, the samples, the slowest rank's time,
// the busbw factor, the method text and the four measurements (busbw, algbw, time, wrong_elements); a collective
// supplies only what differs (SweepCollective: its byte count, its data, one timed batch, its check). Plain C++:
// the GPU plug-in (nvcc) uses it too.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/parameters.hpp"
#include "core/probe.hpp"
#include "probes/common/collective_math.hpp"
#include "probes/common/deadline_pacer.hpp"
#include "probes/common/sweep_group.hpp"

namespace kiln {

// What a collective makes of one asked size.
struct SizePlan {
  enum class Fit {
    kRun,       // measure it
    kSkip,      // this size cannot be run (too small to split over the ranks): go on with the next
    kEndSweep,  // neither this size nor any larger one can run (memory): end the sweep here
  };
  Fit fit = Fit::kRun;
  std::uint64_t asked = 0;  // the size as the parameters gave it
  double bytes = 0;         // what algbw divides by (nccl-tests' byte count for the collective)
  std::string label;        // the measurements' size label
  std::string detail;       // for the method text, after the ranks: ", 1KiB to each peer"
};

// A collective's differences from the others. Every rank calls each method together, in the same order.
class SweepCollective {
 public:
  virtual ~SweepCollective() = default;
  // Pure: the byte count and label of `size`, or why it cannot run.
  virtual SizePlan Plan(std::uint64_t size) const = 0;
  // Buffers and input data for `plan` (a kRun plan of Plan()).
  virtual void Prepare(const SizePlan& plan) = 0;
  // Runs `iterations` calls of the prepared size, the ranks starting together; returns this rank's seconds per
  // call (the sweep takes the slowest rank's). The last call's output stays for CountWrong().
  virtual double TimeIterations(int iterations) = 0;
  // Before a timed sample: overwrite the output, so that the check sees only what the sample wrote.
  virtual void ClearOutput() = 0;
  // Elements of this rank's last output that differ from the exact result.
  virtual std::int64_t CountWrong() = 0;
};

// What a sweep reports and how its measurements are named and described.
struct SweepSpec {
  std::string probe;             // the measurements' probe: "mpi_allreduce"
  std::string family;            // their metric family: "mpi.allreduce" -> .busbw .algbw .time .wrong_elements
  collective::Collective collective = collective::Collective::kAllReduce;  // the busbw factor and its formula
  std::string operation;         // one call, in the pacer's reasons: "all-reduce"
  std::string method_notes;      // the method's end: "; MPI_THREAD_SINGLE"
  std::string wrong_method;      // the method of wrong_elements
  std::map<std::string, std::string> labels;  // beside "size" (nccl: "collective")
  std::string progress;          // the progress line before the size: "collective 1 of 2, "
};

struct SweepOptions {
  std::vector<std::uint64_t> sizes;
  int warmup = 2;               // calls before the passes of about 5 ms (at least 1)
  int samples = 5;
  double sample_seconds = 0.1;  // aim for this much per sample; <= 0: every sample makes max_iterations calls
  int max_iterations = 100;
  double pad_seconds = 0;       // diagnostic: each sample also waits this long, inside its timed span
};

// The parameters of a size sweep: sizes (with this default and help), warm-up, samples, sample time, iterations.
std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help);
// A sweep's asked time: a warm-up and the samples at each size.
Seconds SizeSweepAskedTime(const Parameters& p);
// The options SizeSweepParameters describe (pad_seconds stays 0).
SweepOptions SizeSweepOptions(const Parameters& p);

// A size's warm-up: one call, the rest of `warmup`, then passes of about 5 ms (at least one call) until the time
// per call stops falling by half. A few calls of a small message end in microseconds, before the job's ranks and
// threads have settled from the step's start; a large message's first calls are far slower than the rest.
// `time_iterations` returns seconds per call. Before each batch after the first, `stop_before` (optional; a
// pacer's StopBeforeSample) may end the warm-up. Returns the last seconds per call, which sizes the samples.
double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup,
              const std::function<bool(double seconds, int iterations)>& stop_before = {});

// The sweep of one or more collectives over one group of ranks, paced by ctx's deadline and stop.
class CollectiveSweep {
 public:
  CollectiveSweep(SweepGroup& group, ProbeContext& ctx, SweepClock clock = {});
  // Measures `collective` at every size of `options`; all ranks call it together. Rank 0 appends the four
  // measurements of each measured size to `outcome`. False when the pacer stopped it: start no other sweep.
  bool Run(SweepCollective& collective, const SweepSpec& spec, const SweepOptions& options, ProbeOutcome& outcome);
  // After the last Run of a job that asked for `asked_sizes` sizes in all. A requested stop is the step's
  // timeout (a ProbeError, as the harness expects of a stopped probe). A foreseen one keeps what was measured and
  // says why the sweep went no further ("slow, not hung"), or is an error when not one size was measured.
  void Finish(std::size_t asked_sizes, ProbeOutcome& outcome) const;
  std::size_t measured_sizes() const { return measured_; }

 private:
  struct Samples {
    int iterations = 0;
    std::vector<double> times, algbw, busbw;  // us, GB/s, GB/s
  };
  Samples Measure(SweepCollective& collective, const SizePlan& plan, const SweepSpec& spec,
                  const SweepOptions& options);
  double TimeSample(SweepCollective& collective, int iterations, double pad_seconds);
  void Record(const SizePlan& plan, const SweepSpec& spec, const Samples& samples, int warmup,
              std::int64_t wrong, ProbeOutcome& outcome) const;

  SweepGroup& group_;
  ProbeContext& ctx_;
  SweepClock clock_;
  DeadlinePacer pacer_;
  Subject subject_;
  std::size_t measured_ = 0;
};

}  // namespace kiln
