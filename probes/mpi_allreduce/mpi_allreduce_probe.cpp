#include "probes/mpi_allreduce/mpi_allreduce_probe.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"
#include "probes/common/mpi_probe_support.hpp"
#include "comm/mpi_communicator.hpp"

namespace kiln {
namespace {

using collective::Collective;

// `pad_seconds` (the diagnostic parameter sample_pad) is waited inside the timed span: a sample of known length.
double TimeAllreduces(MPI_Comm comm, const float* send, float* receive, int count, int iterations,
                      double pad_seconds = 0) {
  KILN_MPI_CHECK(MPI_Barrier(comm));
  double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    KILN_MPI_CHECK(MPI_Allreduce(send, receive, count, MPI_FLOAT, MPI_SUM, comm));
  }
  if (pad_seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pad_seconds));
  return SlowestRankSeconds(comm, (MPI_Wtime() - start) / iterations);
}

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
    MPI_Comm comm = static_cast<MpiCommunicator&>(*ctx.comm).handle();
    const int ranks = ctx.comm->Size();
    const int rank = ctx.comm->Rank();
    const auto& p = ctx.params;
    // The parameters as the suite checked them (CheckParameters), also for a caller that did not.
    if (std::optional<std::string> problem = CheckParameters(p)) throw ProbeError(*problem);
    const std::vector<std::uint64_t>& sizes = p.ByteList("sizes");
    const int warmup = static_cast<int>(p.Int("warmup"));
    const int samples = static_cast<int>(p.Int("samples"));
    const double pad = p.Duration("sample_pad").count();
    const double factor = collective::BusBandwidthFactor(Collective::kAllReduce, ranks);

    std::set<std::string> unique(ctx.members.begin(), ctx.members.end());
    Subject group = Subject::Group({unique.begin(), unique.end()});
    std::uint64_t largest = *std::max_element(sizes.begin(), sizes.end());
    std::vector<float> send(largest / sizeof(float)), receive(largest / sizeof(float));
    for (std::uint64_t i = 0; i < send.size(); ++i) send[i] = collective::AllReduceInput(rank, i);

    ProbeOutcome outcome;
    DeadlinePacer pacer(comm, ctx, "all-reduce");
    std::size_t measured_sizes = 0;
    for (std::uint64_t size : sizes) {
      if (pacer.stopped() || pacer.StopBeforeSize(size, std::max(1, warmup) + samples)) break;
      ctx.progress->Say(fmt::format("size {}", FormatBytes(size)));
      const int count = static_cast<int>(size / sizeof(float));
      // Warm-up (TCP connects lazily), and a time estimate every rank agrees on.
      double estimate = WarmUp([&](int n) { return TimeAllreduces(comm, send.data(), receive.data(), count, n); },
                             warmup, [&](double seconds, int n) { return pacer.StopBeforeSample(seconds, n); });
      int iterations = collective::IterationsForTarget(estimate, p.Duration("sample_time").count(),
                                                       static_cast<int>(p.Int("max_iterations")));
      std::vector<double> times, algbw, busbw;
      for (int s = 0; s < samples; ++s) {
        if (pacer.stopped() || pacer.StopBeforeSample(estimate + pad / iterations, iterations)) break;
        std::fill(receive.begin(), receive.begin() + count, -1.0f);
        double seconds = TimeAllreduces(comm, send.data(), receive.data(), count, iterations, pad);
        times.push_back(seconds * 1e6);
        algbw.push_back(collective::AlgorithmBandwidth(static_cast<double>(size), seconds));
        busbw.push_back(algbw.back() * factor);
      }
      if (times.empty()) break;
      pacer.Measured(size, *std::max_element(times.begin(), times.end()) / 1e6);
      ++measured_sizes;
      // The output of the last timed iteration, checked element by element on every rank.
      std::int64_t wrong = 0;
      for (int i = 0; i < count; ++i) {
        wrong += receive[static_cast<std::size_t>(i)] !=
                 collective::AllReduceExpected(ranks, static_cast<std::uint64_t>(i));
      }
      std::int64_t wrong_total = 0;
      KILN_MPI_CHECK(MPI_Allreduce(&wrong, &wrong_total, 1, MPI_INT64_T, MPI_SUM, comm));
      if (rank != 0) continue;
      std::map<std::string, std::string> labels{{"size", FormatBytes(size)}};
      std::string method = fmt::format(
          "{} ranks; {} samples of {} iterations after a warm-up of {} iterations and at least 5 ms; time of the "
          "slowest rank; busbw = algbw x 2(n-1)/n; {}",
          ranks, times.size(), iterations, std::max(1, warmup), MpiThreadLevel());
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.allreduce.busbw", "GB/s", group, busbw,
                                                     true, method, labels));
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.allreduce.algbw", "GB/s", group, algbw,
                                                     true, method, labels));
      outcome.measurements.push_back(
          MakeMeasurement(Name(), "mpi.allreduce.time", "us", group, times, false, method, labels));
      outcome.measurements.push_back(MakeMeasurement(
          Name(), "mpi.allreduce.wrong_elements", "count", group, {static_cast<double>(wrong_total)},
          false, "elements of the last timed result that differ from the exact sum, over all ranks",
          labels));
    }
    FinishSweep(pacer, measured_sizes, sizes.size(), outcome);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiAllreduceProbe() { return std::make_unique<MpiAllreduceProbe>(); }

}  // namespace kiln
