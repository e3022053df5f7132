#include "probes/mpi_link/mpi_link_probe.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/errors.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"
#include "comm/mpi_communicator.hpp"
#include "probes/common/mpi_probe_support.hpp"

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
  ProbeTraits Traits() const override { return {.failure_category = "network", .bisection = BisectionDefault::kPairStage}; }
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
  Seconds AskedTime(const kiln::Parameters& p) const override {
    return static_cast<double>(2 * p.Int("samples")) * p.Duration("sample_time");  // both directions
  }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override {
    return MpiLaunchProblem(ctx, 2, 2);
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

    // Sized by time, not volume. The first sample is one message each way (a link at 1% of its speed still
    // finishes it); the others stream as many messages as fill sample_time on the slower direction. A slow
    // link is not a hung one: at the step's timeout the samples so far are the result (both ranks agree on
    // stopping before each sample).
    const double sample_time = p.Duration("sample_time").count();
    const int warmup_bytes = std::min(bytes, 4096);
    Stream(comm, rank, 0, buffer.data(), warmup_bytes, 1, 1);  // warm-up: connects both ways
    Stream(comm, rank, 1, buffer.data(), warmup_bytes, 1, 1);
    std::vector<double> bandwidth, forward, reverse;
    std::int64_t wrong = 0;
    // One sample: `messages` each way, the receiver checking the final message of each direction when `check`.
    auto sample = [&](int messages, bool check) {
      double rate[2], slowest_seconds = 0;
      for (int sender = 0; sender < 2; ++sender) {
        if (check) {
          if (rank == sender) {
            for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = PatternByte(i);
          } else {
            std::fill(buffer.begin(), buffer.end(), 0);
          }
        }
        double seconds = Stream(comm, rank, sender, buffer.data(), bytes, messages, std::min(window, messages));
        slowest_seconds = std::max(slowest_seconds, seconds);
        rate[sender] = GigabytesPerSecond(static_cast<double>(size) * messages, seconds);
        if (check && rank != sender) {
          for (std::size_t i = 0; i < buffer.size(); ++i) wrong += buffer[i] != PatternByte(i);
        }
      }
      forward.push_back(rate[0]);
      reverse.push_back(rate[1]);
      bandwidth.push_back(std::min(rate[0], rate[1]));
      return slowest_seconds;
    };
    // The calibration (one cold message each way) reads low on a fast link: it is a sample only when the
    // timeout leaves no other.
    double one = sample(1, true);
    double slowest = 0;
    KILN_MPI_CHECK(MPI_Allreduce(&one, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
    const int messages = collective::IterationsForTarget(slowest, sample_time, 100 * window);
    const std::vector<double> calibration[3] = {bandwidth, forward, reverse};
    bandwidth.clear();
    forward.clear();
    reverse.clear();
    // Stop before a sample (both directions) that could not end by the deadline, so the step ends measured, not
    // timed out.
    DeadlinePacer pacer(comm, ctx, "message each way", 1.2);
    for (int s = 0; s < samples; ++s) {
      if (pacer.StopBeforeSample(2.0 * slowest, messages)) break;
      sample(messages, s == samples - 1);
    }
    const bool stopped = pacer.stopped();
    const bool calibration_only = bandwidth.empty();
    if (calibration_only) {
      bandwidth = calibration[0];
      forward = calibration[1];
      reverse = calibration[2];
    }

    const int measured = static_cast<int>(bandwidth.size());
    const std::uint64_t latency_size = p.Bytes("latency_size");
    const int pings = static_cast<int>(stopped ? std::min<std::int64_t>(p.Int("latency_iterations"), 10)
                                               : p.Int("latency_iterations"));
    if (latency_size > (1u << 20) || pings < 1) throw ProbeError("latency_size must be <= 1MiB, iterations >= 1");
    std::vector<unsigned char> small(std::max<std::uint64_t>(1, latency_size));
    const int small_bytes = static_cast<int>(latency_size);
    std::vector<double> latency;
    const int latency_samples = stopped ? 1 : samples;
    for (int s = 0; s <= latency_samples; ++s) {  // sample 0 is a warm-up
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
                    "(median {} -> {} {:.3g} GB/s, {} -> {} {:.3g} GB/s){}",
                    measured, calibration_only ? 1 : messages, FormatBytes(size), window, ctx.members[0], ctx.members[1],
                    Median(forward), ctx.members[1], ctx.members[0], Median(reverse),
                    stopped ? fmt::format("; SLOW: the step's timeout stopped it after {} of {} samples{}", measured,
                                          samples, calibration_only ? " (only the one-message calibration)" : "")
                            : std::string()),
        {{"size", FormatBytes(size)}}));
    outcome.measurements.push_back(MakeMeasurement(
        Name(), "mpi.link.latency", "us", pair, latency, false,
        fmt::format("{} samples of {} ping-pongs of {}, half the round trip", latency_samples, pings,
                    FormatBytes(latency_size)),
        {{"size", FormatBytes(latency_size)}}));
    outcome.measurements.push_back(MakeMeasurement(Name(), "mpi.link.wrong_bytes", "count", pair,
                                                   {static_cast<double>(wrong_total)}, false,
                                                   stopped ? "bytes of each direction's calibration message that "
                                                             "differ from those sent"
                                                           : "bytes of each direction's calibration message and last "
                                                             "message that differ from those sent"));
    if (stopped) {
      outcome.reason = fmt::format("the link is slow, not hung: {} of {} samples before the step's timeout", measured,
                                   samples);
    }
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiLinkProbe() { return std::make_unique<MpiLinkProbe>(); }

}  // namespace kiln
