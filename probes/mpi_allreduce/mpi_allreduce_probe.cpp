#include "probes/mpi_allreduce/mpi_allreduce_probe.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "comm/mpi_communicator.hpp"
#include "core/errors.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"
#include "probes/common/collective_sweep.hpp"
#include "probes/common/mpi_probe_support.hpp"

namespace kiln {
namespace {

// MPI_Allreduce of floats (sum) for the sweep: inputs whose sum is exact, so every element is checked.
class Allreduce final : public SweepCollective {
 public:
  Allreduce(MPI_Comm comm, int rank, int ranks) : comm_(comm), rank_(rank), ranks_(ranks) {}
  SizePlan Plan(std::uint64_t size) const override {
    return {SizePlan::Fit::kRun, size, static_cast<double>(size), FormatBytes(size), ""};
  }
  void Prepare(const SizePlan& plan) override {
    count_ = static_cast<int>(plan.asked / sizeof(float));
    send_.resize(std::max(send_.size(), static_cast<std::size_t>(count_)));
    receive_.resize(send_.size());
    for (int i = 0; i < count_; ++i) send_[static_cast<std::size_t>(i)] = collective::AllReduceInput(rank_, i);
  }
  double TimeIterations(int iterations) override {
    KILN_MPI_CHECK(MPI_Barrier(comm_));
    double start = MPI_Wtime();
    for (int i = 0; i < iterations; ++i) {
      KILN_MPI_CHECK(MPI_Allreduce(send_.data(), receive_.data(), count_, MPI_FLOAT, MPI_SUM, comm_));
    }
    return (MPI_Wtime() - start) / iterations;
  }
  void ClearOutput() override { std::fill(receive_.begin(), receive_.begin() + count_, -1.0f); }
  std::int64_t CountWrong() override {
    std::int64_t wrong = 0;
    for (int i = 0; i < count_; ++i) {
      wrong += receive_[static_cast<std::size_t>(i)] != collective::AllReduceExpected(ranks_, static_cast<std::uint64_t>(i));
    }
    return wrong;
  }

 private:
  MPI_Comm comm_;
  int rank_, ranks_;
  int count_ = 0;
  std::vector<float> send_, receive_;
};

class MpiAllreduceProbe final : public Probe {
 public:
  std::string Name() const override { return "mpi_allreduce"; }
  ProbeTraits Traits() const override { return {.failure_category = "network", .bisection = BisectionDefault::kExplained}; }
  std::string Description() const override {
    return "MPI_Allreduce (float sum) size sweep: algbw, busbw (nccl-tests formula), results checked";
  }
  Scope scope() const override { return Scope::kGroup; }
  std::vector<ParamSpec> Parameters() const override {
    std::vector<ParamSpec> specs = SizeSweepParameters("8B..256MiB", "message sizes in bytes (multiples of 4)");
    specs.push_back({"sample_pad", ParamType::kDuration, "0s",
                     "diagnostic: each sample also waits this long, so that its length does not depend on the "
                     "machine (tests of the deadline pacing)"});
    return specs;
  }
  std::vector<MetricSpec> Metrics() const override {
    return {
        {"mpi.allreduce.busbw", "GB/s", true, "bus bandwidth: algbw x 2(n-1)/n"},
        {"mpi.allreduce.algbw", "GB/s", true, "algorithm bandwidth: bytes / time"},
        {"mpi.allreduce.time", "us", false, "time of one all-reduce"},
        {"mpi.allreduce.wrong_elements", "count", false, "result elements that differ from the exact sum", true},
    };
  }
  Seconds AskedTime(const kiln::Parameters& p) const override { return SizeSweepAskedTime(p); }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override {
    return MpiLaunchProblem(ctx, 2);
  }

  std::optional<std::string> CheckParameters(const kiln::Parameters& p) const override {
    for (std::uint64_t size : p.ByteList("sizes")) {
      if (size % sizeof(float) != 0 || size / sizeof(float) > static_cast<std::uint64_t>(INT32_MAX)) {
        return fmt::format("size {}B is not a multiple of 4 bytes below 8GiB (the sweep reduces floats)", size);
      }
    }
    if (p.Int("samples") < 1) return "samples must be at least 1";
    return std::nullopt;
  }

  ProbeOutcome Run(ProbeContext& ctx) override {
    // The parameters as the suite checked them (CheckParameters), also for a caller that did not.
    if (std::optional<std::string> problem = CheckParameters(ctx.params)) throw ProbeError(*problem);
    MPI_Comm comm = static_cast<MpiCommunicator&>(*ctx.comm).handle();
    MpiGroup group(comm);
    Allreduce allreduce(comm, group.Rank(), group.Size());
    SweepOptions options = SizeSweepOptions(ctx.params);
    options.pad_seconds = ctx.params.Duration("sample_pad").count();
    SweepSpec spec{Name(), "mpi.allreduce", collective::Collective::kAllReduce, "all-reduce",
                   "; " + MpiThreadLevel(),
                   "elements of the last timed result that differ from the exact sum, over all ranks", {}, ""};
    ProbeOutcome outcome;
    CollectiveSweep sweep(group, ctx);
    sweep.Run(allreduce, spec, options, outcome);
    sweep.Finish(options.sizes.size(), outcome);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiAllreduceProbe() { return std::make_unique<MpiAllreduceProbe>(); }

}  // namespace kiln
