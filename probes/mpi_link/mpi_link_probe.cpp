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
#include "probes/common/deadline_pacer.hpp"
#include "probes/common/mpi_probe_support.hpp"

namespace kiln {
namespace {

constexpr const char* kName = "mpi_link";

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

struct LinkOptions {
  std::uint64_t size = 0;  // bandwidth message
  int window = 0;
  int samples = 0;
  double sample_time = 0;
  std::uint64_t latency_size = 0;
  int latency_iterations = 0;
};

LinkOptions ReadOptions(const Parameters& p) {
  LinkOptions o{p.Bytes("message_size"), static_cast<int>(p.Int("window")), static_cast<int>(p.Int("samples")),
                p.Duration("sample_time").count(), p.Bytes("latency_size"), static_cast<int>(p.Int("latency_iterations"))};
  if (o.size == 0 || o.size > static_cast<std::uint64_t>(INT32_MAX) || o.window < 1 || o.samples < 1) {
    throw ProbeError("message_size must be 1B..2GiB, window and samples at least 1");
  }
  if (o.latency_size > (1u << 20) || o.latency_iterations < 1) {
    throw ProbeError("latency_size must be <= 1MiB, iterations >= 1");
  }
  return o;
}

// Each bandwidth sample's rate per direction and of the slower one.
struct Rates {
  std::vector<double> bandwidth, forward, reverse;
};

// The bandwidth samples: `messages` each way, the receiver checking the final message of each direction on a
// checked sample.
class BandwidthSampler {
 public:
  BandwidthSampler(MPI_Comm comm, int rank, const LinkOptions& o)
      : comm_(comm), rank_(rank), window_(o.window), buffer_(o.size) {
    for (std::size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = PatternByte(i);
  }
  // Warm-up: one small message each way connects both directions.
  void Connect() {
    const int warmup_bytes = std::min(static_cast<int>(buffer_.size()), 4096);
    Stream(comm_, rank_, 0, buffer_.data(), warmup_bytes, 1, 1);
    Stream(comm_, rank_, 1, buffer_.data(), warmup_bytes, 1, 1);
  }
  // One sample into `rates`; returns the slower direction's seconds.
  double Sample(int messages, bool check, Rates& rates) {
    double rate[2], slowest_seconds = 0;
    const int bytes = static_cast<int>(buffer_.size());
    for (int sender = 0; sender < 2; ++sender) {
      if (check) {
        if (rank_ == sender) {
          for (std::size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = PatternByte(i);
        } else {
          std::fill(buffer_.begin(), buffer_.end(), 0);
        }
      }
      double seconds = Stream(comm_, rank_, sender, buffer_.data(), bytes, messages, std::min(window_, messages));
      slowest_seconds = std::max(slowest_seconds, seconds);
      rate[sender] = GigabytesPerSecond(static_cast<double>(bytes) * messages, seconds);
      if (check && rank_ != sender) {
        for (std::size_t i = 0; i < buffer_.size(); ++i) wrong_ += buffer_[i] != PatternByte(i);
      }
    }
    rates.forward.push_back(rate[0]);
    rates.reverse.push_back(rate[1]);
    rates.bandwidth.push_back(std::min(rate[0], rate[1]));
    return slowest_seconds;
  }
  std::int64_t wrong() const { return wrong_; }

 private:
  MPI_Comm comm_;
  int rank_;
  int window_;
  std::vector<unsigned char> buffer_;
  std::int64_t wrong_ = 0;
};

struct BandwidthResult {
  Rates rates;
  int messages = 1;  // per direction of a sample
  bool stopped = false;
  bool calibration_only = false;
  std::int64_t wrong = 0;  // this rank's
};

// Sized by time, not volume. The first sample is one message each way (a link at 1% of its speed still finishes
// it); the others stream as many messages as fill sample_time on the slower direction. A slow link is not a hung
// one: at the step's timeout the samples so far are the result (both ranks agree on stopping before each sample).
BandwidthResult MeasureBandwidth(MpiGroup& group, MPI_Comm comm, const ProbeContext& ctx, const LinkOptions& o) {
  BandwidthSampler sampler(comm, group.Rank(), o);
  sampler.Connect();
  // The calibration (one cold message each way) reads low on a fast link: it is a sample only when the timeout
  // leaves no other.
  Rates calibration;
  const double slowest = group.MaxSeconds(sampler.Sample(1, true, calibration));
  BandwidthResult result;
  result.messages = collective::IterationsForTarget(slowest, o.sample_time, 100 * o.window);
  // Stop before a sample (both directions) that could not end by the deadline, so the step ends measured, not
  // timed out.
  DeadlinePacer pacer(group, ctx, "message each way", 1.2);
  for (int s = 0; s < o.samples; ++s) {
    if (pacer.StopBeforeSample(2.0 * slowest, result.messages)) break;
    sampler.Sample(result.messages, s == o.samples - 1, result.rates);
  }
  result.stopped = pacer.stopped();
  result.calibration_only = result.rates.bandwidth.empty();
  if (result.calibration_only) {
    result.rates = calibration;
    result.messages = 1;
  }
  result.wrong = sampler.wrong();
  return result;
}

// `samples` samples of `pings` ping-pongs of `size` bytes, after one untimed: half the round trip, in us.
std::vector<double> MeasureLatency(MPI_Comm comm, int rank, std::uint64_t size, int pings, int samples) {
  std::vector<unsigned char> small(std::max<std::uint64_t>(1, size));
  const int bytes = static_cast<int>(size);
  std::vector<double> latency;
  for (int s = 0; s <= samples; ++s) {  // sample 0 is a warm-up
    KILN_MPI_CHECK(MPI_Barrier(comm));
    double start = MPI_Wtime();
    for (int i = 0; i < pings; ++i) {
      if (rank == 0) {
        KILN_MPI_CHECK(MPI_Send(small.data(), bytes, MPI_BYTE, 1, 3, comm));
        KILN_MPI_CHECK(MPI_Recv(small.data(), bytes, MPI_BYTE, 1, 3, comm, MPI_STATUS_IGNORE));
      } else {
        KILN_MPI_CHECK(MPI_Recv(small.data(), bytes, MPI_BYTE, 0, 3, comm, MPI_STATUS_IGNORE));
        KILN_MPI_CHECK(MPI_Send(small.data(), bytes, MPI_BYTE, 0, 3, comm));
      }
    }
    if (s > 0) latency.push_back((MPI_Wtime() - start) / pings / 2 * 1e6);
  }
  return latency;
}

// Rank 0's measurements of the pair.
void Report(const ProbeContext& ctx, const LinkOptions& o, const BandwidthResult& bw, const std::vector<double>& latency,
            int pings, std::int64_t wrong_total, ProbeOutcome& outcome) {
  Subject pair = Subject::Pair(ctx.members.at(0), ctx.members.at(1));
  const int measured = static_cast<int>(bw.rates.bandwidth.size());
  outcome.measurements.push_back(MakeMeasurement(
      kName, "mpi.link.bandwidth", "GB/s", pair, bw.rates.bandwidth, true,
      fmt::format("{} samples of {} messages of {} ({} in flight) each way; each sample the slower direction "
                  "(median {} -> {} {:.3g} GB/s, {} -> {} {:.3g} GB/s){}",
                  measured, bw.messages, FormatBytes(o.size), o.window, ctx.members[0], ctx.members[1],
                  Median(bw.rates.forward), ctx.members[1], ctx.members[0], Median(bw.rates.reverse),
                  bw.stopped ? fmt::format("; SLOW: the step's timeout stopped it after {} of {} samples{}", measured,
                                           o.samples, bw.calibration_only ? " (only the one-message calibration)" : "")
                             : std::string()),
      {{"size", FormatBytes(o.size)}}));
  outcome.measurements.push_back(MakeMeasurement(
      kName, "mpi.link.latency", "us", pair, latency, false,
      fmt::format("{} samples of {} ping-pongs of {}, half the round trip", latency.size(), pings,
                  FormatBytes(o.latency_size)),
      {{"size", FormatBytes(o.latency_size)}}));
  outcome.measurements.push_back(MakeMeasurement(
      kName, "mpi.link.wrong_bytes", "count", pair, {static_cast<double>(wrong_total)}, false,
      bw.stopped ? "bytes of each direction's calibration message that differ from those sent"
                 : "bytes of each direction's calibration message and last message that differ from those sent"));
  if (bw.stopped) {
    outcome.reason = fmt::format("the link is slow, not hung: {} of {} samples before the step's timeout", measured,
                                 o.samples);
  }
}

class MpiLinkProbe final : public Probe {
 public:
  std::string Name() const override { return kName; }
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
    MpiGroup group(comm);
    const int rank = group.Rank();
    const LinkOptions o = ReadOptions(ctx.params);
    const BandwidthResult bw = MeasureBandwidth(group, comm, ctx, o);
    // After a stop, only a short latency sample: the timeout is near.
    const int pings = bw.stopped ? std::min(o.latency_iterations, 10) : o.latency_iterations;
    const std::vector<double> latency = MeasureLatency(comm, rank, o.latency_size, pings, bw.stopped ? 1 : o.samples);
    const std::int64_t wrong_total = group.SumOnRoot(bw.wrong);
    ProbeOutcome outcome;
    if (rank == 0) Report(ctx, o, bw, latency, pings, wrong_total, outcome);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeMpiLinkProbe() { return std::make_unique<MpiLinkProbe>(); }

}  // namespace kiln
