#include "probes/mpi_alltoall/mpi_alltoall_probe.hpp"

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

// MPI_Alltoall of 4-byte elements for the sweep: each rank sends size/ranks bytes to every rank (itself too).
class Alltoall final : public SweepCollective {
 public:
  Alltoall(MPI_Comm comm, int rank, int ranks) : comm_(comm), rank_(static_cast<std::uint32_t>(rank)), ranks_(ranks) {}
  SizePlan Plan(std::uint64_t size) const override {
    const std::uint64_t per_peer = PerPeer(size);
    return {SizePlan::Fit::kRun, size, 4.0 * static_cast<double>(per_peer) * ranks_, FormatBytes(size),
            fmt::format(", {} to each peer", FormatBytes(per_peer * 4))};
  }
  void Prepare(const SizePlan& plan) override {
    per_peer_ = static_cast<int>(PerPeer(plan.asked));
    const std::size_t total = static_cast<std::size_t>(per_peer_) * static_cast<std::size_t>(ranks_);
    send_.assign(total, 0);
    receive_.assign(total, 0);
    for (int to = 0; to < ranks_; ++to) {
      for (int i = 0; i < per_peer_; ++i) {
        send_[static_cast<std::size_t>(to) * per_peer_ + i] =
            Element(rank_, static_cast<std::uint32_t>(to), static_cast<std::uint32_t>(i));
      }
    }
  }
  double TimeIterations(int iterations) override {
    KILN_MPI_CHECK(MPI_Barrier(comm_));
    double start = MPI_Wtime();
    for (int i = 0; i < iterations; ++i) {
      KILN_MPI_CHECK(MPI_Alltoall(send_.data(), per_peer_, MPI_UINT32_T, receive_.data(), per_peer_, MPI_UINT32_T, comm_));
    }
    return (MPI_Wtime() - start) / iterations;
  }
  void ClearOutput() override { std::fill(receive_.begin(), receive_.end(), 0u); }
  std::int64_t CountWrong() override {
    std::int64_t wrong = 0;
    for (int from = 0; from < ranks_; ++from) {
      for (int i = 0; i < per_peer_; ++i) {
        wrong += receive_[static_cast<std::size_t>(from) * per_peer_ + i] !=
                 Element(static_cast<std::uint32_t>(from), rank_, static_cast<std::uint32_t>(i));
      }
    }
    return wrong;
  }

 private:
  // Elements each rank sends to each peer: at least one.
  std::uint64_t PerPeer(std::uint64_t size) const {
    return std::max<std::uint64_t>(1, size / 4 / static_cast<std::uint64_t>(ranks_));
  }
  // Element i of the block from `from` to `to`: every block differs, so a block delivered to the wrong rank or
  // from the wrong sender is caught, not only corrupted bytes.
  static std::uint32_t Element(std::uint32_t from, std::uint32_t to, std::uint32_t i) {
    return from * 2654435761u ^ (to * 40503u + i * 97u);
  }

  MPI_Comm comm_;
  std::uint32_t rank_;
  int ranks_;
  int per_peer_ = 0;
  std::vector<std::uint32_t> send_, receive_;
};

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
    MpiGroup group(comm);
    Alltoall alltoall(comm, group.Rank(), group.Size());
    const SweepOptions options = SizeSweepOptions(ctx.params);
    const SweepSpec spec{Name(), "mpi.alltoall", collective::Collective::kAllToAll, "all-to-all", "",
                         "elements of the last timed result that differ from what their sender sent, over all ranks",
                         {}, ""};
    ProbeOutcome outcome;
    CollectiveSweep sweep(group, ctx);
    sweep.Run(alltoall, spec, options, outcome);
    sweep.Finish(options.sizes.size(), outcome);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiAlltoallProbe() { return std::make_unique<MpiAlltoallProbe>(); }

}  // namespace kiln
