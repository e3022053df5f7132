#include "probes/common/mpi_probe_support.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "comm/mpi_communicator.hpp"
#include "core/errors.hpp"
#include "core/units.hpp"
#include "probes/common/collective_math.hpp"

namespace kiln {

std::optional<std::string> MpiLaunchProblem(const ProbeContext& ctx, int at_least, std::optional<int> exactly) {
  if (dynamic_cast<const MpiCommunicator*>(ctx.comm.get()) == nullptr) {
    return "not launched under MPI (run kiln under mpirun or srun)";
  }
  int size = ctx.comm->Size();
  if (exactly && size != *exactly) {
    return *exactly == 2 ? fmt::format("needs a pair of ranks, got {}", size)
                         : fmt::format("needs exactly {} ranks, got {}", *exactly, size);
  }
  if (size < at_least) return fmt::format("needs at least {} ranks; this job has {}", at_least, size);
  return std::nullopt;
}

double SlowestRankSeconds(MPI_Comm comm, double seconds) {
  double slowest = 0;
  KILN_MPI_CHECK(MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
  return slowest;
}

double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup,
              const std::function<bool(double seconds, int iterations)>& stop_before) {
  constexpr double kWarmUpSeconds = 0.005;
  constexpr int kMostPasses = 3;
  auto stop = [&](double seconds, int iterations) { return stop_before && stop_before(seconds, iterations); };
  // One call first: at a new size nothing says how long a call takes, and a slow network can make it seconds.
  double estimate = time_iterations(1);
  if (warmup > 1) {
    if (stop(estimate, warmup - 1)) return estimate;
    estimate = time_iterations(warmup - 1);
  }
  // The first calls of a size are cold (connections, protocol switches, pages): an estimate from them alone
  // sized 1 MiB samples at 1/30 of their time. Passes of 5 ms follow until one is no faster than half the one
  // before. Every rank gets the same estimate (the slowest rank's), so all agree on the counts.
  for (int pass = 0; pass < kMostPasses; ++pass) {
    int iterations = collective::IterationsForTarget(estimate, kWarmUpSeconds, 100000);
    if (stop(estimate, iterations)) return estimate;
    double next = time_iterations(iterations);
    bool settled = next > estimate / 2;
    estimate = next;
    if (settled) break;
  }
  return estimate;
}

std::string MpiThreadLevel() {
  int level = MPI_THREAD_SINGLE;
  KILN_MPI_CHECK(MPI_Query_thread(&level));
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    default: return "MPI_THREAD_MULTIPLE";
  }
}

bool DeadlinePacer::StopBeforeSize(std::uint64_t bytes, int iterations) {
  bytes_ = bytes;
  double one = collective::PredictedIterationSeconds(static_cast<double>(last_bytes_), last_seconds_,
                                                     static_cast<double>(bytes));
  return Agree(one * iterations, fmt::format("size {} would take about {} ({} {}(s) at the least)", FormatBytes(bytes),
                                            FormatDuration(Seconds(one * iterations)), iterations, operation_));
}

bool DeadlinePacer::StopBeforeSample(double seconds, int iterations) {
  return Agree(seconds * iterations,
               fmt::format("{} more {}(s){} would take about {}", iterations, operation_,
                           bytes_ > 0 ? fmt::format(" of size {}", FormatBytes(bytes_)) : std::string(),
                           FormatDuration(Seconds(seconds * iterations))));
}

void DeadlinePacer::Measured(std::uint64_t bytes, double seconds) {
  last_bytes_ = bytes;
  last_seconds_ = seconds;
}

bool DeadlinePacer::Agree(double predicted_seconds, const std::string& why) {
  enum : int { kGoOn = 0, kForeseen = 1, kRequested = 2 };
  double left = 0;
  int mine = kGoOn;
  if (ctx_.stop.stop_requested()) {
    mine = kRequested;
  } else if (ctx_.deadline != std::chrono::steady_clock::time_point() && predicted_seconds > 0) {
    left = std::chrono::duration<double>(ctx_.deadline - std::chrono::steady_clock::now()).count();
    mine = predicted_seconds * margin_ > left ? kForeseen : kGoOn;
  }
  int any = kGoOn;
  KILN_MPI_CHECK(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm_));
  stopped_ = any != kGoOn;
  requested_ = any == kRequested;
  if (any == kForeseen) {
    why_ = mine == kForeseen
               ? fmt::format("{}; {} were left of the step's timeout", why, FormatDuration(Seconds(std::max(0.0, left))))
               : "another rank of the group foresaw that the next work could not end before the step's timeout";
  }
  return any != kGoOn;
}

void FinishSweep(const DeadlinePacer& pacer, std::size_t measured, std::size_t sizes, ProbeOutcome& outcome) {
  if (!pacer.stopped()) return;
  if (pacer.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
  if (measured == 0) {
    throw ProbeError(fmt::format("too slow for one sample before the step's timeout: {}", pacer.why()));
  }
  outcome.reason = fmt::format("slow, not hung: {} of {} sizes measured before the step's timeout; {}", measured,
                               sizes, pacer.why());
}

std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help) {
  return {
      {"sizes", ParamType::kByteList, default_sizes, sizes_help, "size"},
      {"warmup", ParamType::kInt, "2", "untimed iterations per size"},
      {"samples", ParamType::kInt, "5", "timed samples per size"},
      {"sample_time", ParamType::kDuration, "100ms", "aim for this much time per sample"},
      {"max_iterations", ParamType::kInt, "100", "most iterations in one sample"},
  };
}

Seconds SizeSweepAskedTime(const Parameters& p) {
  return static_cast<double>(p.ByteList("sizes").size() * static_cast<std::size_t>(p.Int("samples") + 1)) *
         p.Duration("sample_time");
}

}  // namespace kiln
