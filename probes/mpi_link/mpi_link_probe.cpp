#include "probes/mpi_link/mpi_link_probe.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "core/errors.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"
#include "comm/mpi_communicator.hpp"

namespace kiln {
namespace {

inline unsigned char PatternByte(std::size_t i) { return static_cast<unsigned char>((i * 7 + 13) & 0xff); }

// `sender` streams `messages` messages, at most `window` in flight, to the other rank, which answers with
// one byte: the transfer's seconds.
double Stream(MPI_Comm comm, int rank, int sender, unsigned char* buffer, int bytes, int messages, int window) {
  const int receiver = 1 - sender;
  std::vector<MPI_Request> requests(static_cast<std::size_t>(window));
  char ack = 0;
  double start = MPI_Wtime();
  for (int sent = 0; sent < messages; sent += window) {
    int batch = std::min(window, messages - sent);
    for (int w = 0; w < batch; ++w) {
      if (rank == sender) {
        KILN_MPI_CHECK(MPI_Isend(buffer, bytes, MPI_BYTE, receiver, 1, comm, &requests[static_cast<std::size_t>(w)]));
      } else {
        KILN_MPI_CHECK(MPI_Irecv(buffer, bytes, MPI_BYTE, sender, 1, comm, &requests[static_cast<std::size_t>(w)]));
      }
    }
    KILN_MPI_CHECK(MPI_Waitall(batch, requests.data(), MPI_STATUSES_IGNORE));
  }
  if (rank == sender) {
    KILN_MPI_CHECK(MPI_Recv(&ack, 1, MPI_CHAR, receiver, 2, comm, MPI_STATUS_IGNORE));
  } else {
    KILN_MPI_CHECK(MPI_Send(&ack, 1, MPI_CHAR, sender, 2, comm));
  }
  return MPI_Wtime() - start;
}

class MpiLinkProbe final : public Probe {
 public:
  std::string Name() const override { return "mpi_link"; }
  std::string Description() const override {
    return "MPI point-to-point between node pairs: bandwidth (large messages) and latency (small)";
  }
  Scope scope() const override { return Scope::kPair; }
  std::vector<ParamSpec> Parameters() const override {
    return {
        {"message_size", ParamType::kBytes, "4MiB", "bandwidth message size"},
        {"window", ParamType::kInt, "16", "messages in flight per bandwidth transfer"},
        {"samples", ParamType::kInt, "5", "timed samples of each kind"},
        {"sample_time", ParamType::kDuration, "200ms", "aim for this much time per direction of a bandwidth sample"},
        {"latency_size", ParamType::kBytes, "8B", "latency message size"},
        {"latency_iterations", ParamType::kInt, "1000", "ping-pongs per latency sample"},
    };
  }
  std::vector<MetricSpec> Metrics() const override {
    return {
        {"mpi.link.bandwidth", "GB/s", true, "streaming bandwidth of the slower direction"},
        {"mpi.link.latency", "us", false, "half of a ping-pong round trip"},
        {"mpi.link.wrong_bytes", "count", false, "received bytes that differ from what was sent", true},
    };
  }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override {
    if (dynamic_cast<const MpiCommunicator*>(ctx.comm.get()) == nullptr) {
      return "not launched under MPI (run kiln under mpirun or srun)";
    }
    if (ctx.comm->Size() != 2) return fmt::format("needs a pair of ranks, got {}", ctx.comm->Size());
    return std::nullopt;
  }

  ProbeOutcome Run(ProbeContext& ctx) override {
    MPI_Comm comm = static_cast<MpiCommunicator&>(*ctx.comm).handle();
    const int rank = ctx.comm->Rank();
    const auto& p = ctx.params;
    const std::uint64_t size = p.Bytes("message_size");
    const int window = static_cast<int>(p.Int("window"));
    const int samples = static_cast<int>(p.Int("samples"));
    if (size == 0 || size > static_cast<std::uint64_t>(INT32_MAX) || window < 1 || samples < 1) {
      throw ProbeError("message_size must be 1B..2GiB, window and samples at least 1");
    }
    const int bytes = static_cast<int>(size);
    std::vector<unsigned char> buffer(size);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = PatternByte(i);

    // Sized by time, not volume: one message first (a link at 1% of its speed still finishes it), then as
    // many messages per sample as fill sample_time on the slower direction.
    const double sample_time = p.Duration("sample_time").count();
    Stream(comm, rank, 0, buffer.data(), bytes, 1, 1);  // warm-up: connects both ways
    Stream(comm, rank, 1, buffer.data(), bytes, 1, 1);
    double one = Stream(comm, rank, 0, buffer.data(), bytes, 1, 1);
    one = std::max(one, Stream(comm, rank, 1, buffer.data(), bytes, 1, 1));
    double slowest = 0;
    KILN_MPI_CHECK(MPI_Allreduce(&one, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
    const int messages = collective::IterationsForTarget(slowest, sample_time, 100 * window);

    // Each sample streams both ways: a path slow in one direction only (a bad optic, a static route) shows.
    std::vector<double> bandwidth, forward, reverse;
    std::int64_t wrong = 0;
    for (int s = 0; s < samples; ++s) {
      if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
      bool last = s == samples - 1;
      double rate[2];
      for (int sender = 0; sender < 2; ++sender) {
        if (last) {  // the receiver checks the final message of each direction
          if (rank == sender) {
            for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = PatternByte(i);
          } else {
            std::fill(buffer.begin(), buffer.end(), 0);
          }
        }
        double seconds = Stream(comm, rank, sender, buffer.data(), bytes, messages, window);
        rate[sender] = GigabytesPerSecond(static_cast<double>(size) * messages, seconds);
        if (last && rank != sender) {
          for (std::size_t i = 0; i < buffer.size(); ++i) wrong += buffer[i] != PatternByte(i);
        }
      }
      forward.push_back(rate[0]);
      reverse.push_back(rate[1]);
      bandwidth.push_back(std::min(rate[0], rate[1]));
    }

    const std::uint64_t latency_size = p.Bytes("latency_size");
    const int pings = static_cast<int>(p.Int("latency_iterations"));
    if (latency_size > (1u << 20) || pings < 1) throw ProbeError("latency_size must be <= 1MiB, iterations >= 1");
    std::vector<unsigned char> small(std::max<std::uint64_t>(1, latency_size));
    const int small_bytes = static_cast<int>(latency_size);
    std::vector<double> latency;
    for (int s = 0; s <= samples; ++s) {  // sample 0 is a warm-up
      KILN_MPI_CHECK(MPI_Barrier(comm));
      double start = MPI_Wtime();
      for (int i = 0; i < pings; ++i) {
        if (rank == 0) {
          KILN_MPI_CHECK(MPI_Send(small.data(), small_bytes, MPI_BYTE, 1, 3, comm));
          KILN_MPI_CHECK(MPI_Recv(small.data(), small_bytes, MPI_BYTE, 1, 3, comm, MPI_STATUS_IGNORE));
        } else {
          KILN_MPI_CHECK(MPI_Recv(small.data(), small_bytes, MPI_BYTE, 0, 3, comm, MPI_STATUS_IGNORE));
          KILN_MPI_CHECK(MPI_Send(small.data(), small_bytes, MPI_BYTE, 0, 3, comm));
        }
      }
      if (s > 0) latency.push_back((MPI_Wtime() - start) / pings / 2 * 1e6);
    }

    std::int64_t wrong_total = 0;
    KILN_MPI_CHECK(MPI_Allreduce(&wrong, &wrong_total, 1, MPI_INT64_T, MPI_SUM, comm));
    ProbeOutcome outcome;
    if (rank != 0) return outcome;
    Subject pair = Subject::Pair(ctx.members.at(0), ctx.members.at(1));
    outcome.measurements.push_back(MakeMeasurement(
        Name(), "mpi.link.bandwidth", "GB/s", pair, bandwidth, true,
        fmt::format("{} samples of {} messages of {} ({} in flight) each way; each sample the slower direction "
                    "(median {} -> {} {:.3g} GB/s, {} -> {} {:.3g} GB/s)",
                    samples, messages, FormatBytes(size), window, ctx.members[0], ctx.members[1],
                    Median(forward), ctx.members[1], ctx.members[0], Median(reverse)),
        {{"size", FormatBytes(size)}}));
    outcome.measurements.push_back(MakeMeasurement(
        Name(), "mpi.link.latency", "us", pair, latency, false,
        fmt::format("{} samples of {} ping-pongs of {}, half the round trip", samples, pings,
                    FormatBytes(latency_size)),
        {{"size", FormatBytes(latency_size)}}));
    outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.link.wrong_bytes", "count", pair,
                                                   {static_cast<double>(wrong_total)}, false,
                                                   "bytes of each direction's last message that differ from those sent"));
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiLinkProbe() { return std::make_unique<MpiLinkProbe>(); }

}  // namespace kiln
