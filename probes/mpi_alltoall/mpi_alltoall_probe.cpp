#include "probes/mpi_alltoall/mpi_alltoall_probe.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <set>
#include <vector>

#include "comm/mpi_communicator.hpp"
#include "core/errors.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"
#include "probes/common/mpi_probe_support.hpp"

namespace kiln {
namespace {

using collective::Collective;

double TimeAlltoalls(MPI_Comm comm, const std::uint32_t* send, std::uint32_t* receive, int per_peer, int iterations) {
  KILN_MPI_CHECK(MPI_Barrier(comm));
  double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    KILN_MPI_CHECK(MPI_Alltoall(send, per_peer, MPI_UINT32_T, receive, per_peer, MPI_UINT32_T, comm));
  }
  return SlowestRankSeconds(comm, (MPI_Wtime() - start) / iterations);
}

class MpiAlltoallProbe final : public Probe {
 public:
  std::string Name() const override { return "mpi_alltoall"; }
  ProbeTraits Traits() const override { return {.failure_category = "network"}; }
  std::string Description() const override {
    return "MPI_Alltoall size sweep: every pair of nodes carries traffic; algbw, busbw (nccl-tests formula), checked";
  }
  Scope scope() const override { return Scope::kGroup; }
  std::vector<ParamSpec> Parameters() const override {
    return SizeSweepParameters("1KiB..64MiB", "bytes each rank sends in one all-to-all (split over the ranks)");
  }
  std::vector<MetricSpec> Metrics() const override {
    return {
        {"mpi.alltoall.busbw", "GB/s", true, "bus bandwidth: algbw x (n-1)/n"},
        {"mpi.alltoall.algbw", "GB/s", true, "algorithm bandwidth: bytes sent per rank / time"},
        {"mpi.alltoall.time", "us", false, "time of one all-to-all"},
        {"mpi.alltoall.wrong_elements", "count", false, "received elements that differ from what their sender sent", true},
    };
  }
  Seconds AskedTime(const kiln::Parameters& p) const override { return SizeSweepAskedTime(p); }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override {
    return MpiLaunchProblem(ctx, 2);
  }
  std::optional<std::string> CheckParameters(const kiln::Parameters& p) const override {
    for (std::uint64_t size : p.ByteList("sizes")) {
      if (size < 4 || size / 4 > static_cast<std::uint64_t>(INT32_MAX)) {
        return fmt::format("size {}B must be 4B..8GiB (the all-to-all moves 4-byte elements)", size);
      }
    }
    if (p.Int("samples") < 1) return "samples must be at least 1";
    return std::nullopt;
  }

  ProbeOutcome Run(ProbeContext& ctx) override {
    MPI_Comm comm = static_cast<MpiCommunicator&>(*ctx.comm).handle();
    const int ranks = ctx.comm->Size();
    const auto rank = static_cast<std::uint32_t>(ctx.comm->Rank());
    const auto& p = ctx.params;
    const std::vector<std::uint64_t>& sizes = p.ByteList("sizes");
    const int warmup = std::max(1, static_cast<int>(p.Int("warmup")));
    const int samples = static_cast<int>(p.Int("samples"));
    if (samples < 1) throw ProbeError("samples must be at least 1");
    const double factor = collective::BusBandwidthFactor(Collective::kAllToAll, ranks);
    std::set<std::string> unique(ctx.members.begin(), ctx.members.end());
    Subject group = Subject::Group({unique.begin(), unique.end()});

    // Element i of the block from `from` to `to`: every block differs, so a block delivered to the wrong
    // rank or from the wrong sender is caught, not only corrupted bytes.
    auto element = [](std::uint32_t from, std::uint32_t to, std::uint32_t i) {
      return from * 2654435761u ^ (to * 40503u + i * 97u);
    };
    ProbeOutcome outcome;
    DeadlinePacer pacer(comm, ctx, "all-to-all");
    std::size_t measured_sizes = 0;
    for (std::uint64_t size : sizes) {
      if (pacer.stopped() || pacer.StopBeforeSize(size, warmup + samples)) break;
      ctx.progress->Say(fmt::format("size {}", FormatBytes(size)));
      const auto per_peer = static_cast<int>(std::max<std::uint64_t>(1, size / 4 / static_cast<std::uint64_t>(ranks)));
      const std::size_t total = static_cast<std::size_t>(per_peer) * static_cast<std::size_t>(ranks);
      std::vector<std::uint32_t> send(total), receive(total);
      for (int to = 0; to < ranks; ++to) {
        for (int i = 0; i < per_peer; ++i) {
          send[static_cast<std::size_t>(to) * per_peer + i] =
              element(rank, static_cast<std::uint32_t>(to), static_cast<std::uint32_t>(i));
        }
      }
      double estimate = WarmUp([&](int n) { return TimeAlltoalls(comm, send.data(), receive.data(), per_peer, n); },
                               warmup, [&](double seconds, int n) { return pacer.StopBeforeSample(seconds, n); });
      int iterations = collective::IterationsForTarget(estimate, p.Duration("sample_time").count(),
                                                       static_cast<int>(p.Int("max_iterations")));
      const double bytes = 4.0 * static_cast<double>(total);
      std::vector<double> times, algbw, busbw;
      for (int s = 0; s < samples; ++s) {
        if (pacer.stopped() || pacer.StopBeforeSample(estimate, iterations)) break;
        std::fill(receive.begin(), receive.end(), 0u);
        double seconds = TimeAlltoalls(comm, send.data(), receive.data(), per_peer, iterations);
        times.push_back(seconds * 1e6);
        algbw.push_back(collective::AlgorithmBandwidth(bytes, seconds));
        busbw.push_back(algbw.back() * factor);
      }
      if (times.empty()) break;
      pacer.Measured(size, *std::max_element(times.begin(), times.end()) / 1e6);
      ++measured_sizes;
      std::int64_t wrong = 0;
      for (int from = 0; from < ranks; ++from) {
        for (int i = 0; i < per_peer; ++i) {
          wrong += receive[static_cast<std::size_t>(from) * per_peer + i] !=
                   element(static_cast<std::uint32_t>(from), rank, static_cast<std::uint32_t>(i));
        }
      }
      std::int64_t wrong_total = 0;
      KILN_MPI_CHECK(MPI_Allreduce(&wrong, &wrong_total, 1, MPI_INT64_T, MPI_SUM, comm));
      if (rank != 0) continue;
      std::map<std::string, std::string> labels{{"size", FormatBytes(size)}};
      std::string method = fmt::format(
          "{} ranks, {} to each peer; {} samples of {} iterations after a warm-up of {} iterations and at least "
          "5 ms; time of the slowest rank; busbw = algbw x (n-1)/n",
          ranks, FormatBytes(static_cast<std::uint64_t>(per_peer) * 4), times.size(), iterations, warmup);
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.alltoall.busbw", "GB/s", group, busbw, true, method, labels));
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.alltoall.algbw", "GB/s", group, algbw, true, method, labels));
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.alltoall.time", "us", group, times, false, method, labels));
      outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.alltoall.wrong_elements", "count", group,
                                                     {static_cast<double>(wrong_total)}, false,
                                                     "elements of the last timed result that differ from what their "
                                                     "sender sent, over all ranks",
                                                     labels));
    }
    FinishSweep(pacer, measured_sizes, sizes.size(), outcome);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiAlltoallProbe() { return std::make_unique<MpiAlltoallProbe>(); }

}  // namespace kiln
