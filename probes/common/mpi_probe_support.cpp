#include "probes/common/mpi_probe_support.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "comm/mpi_communicator.hpp"
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

double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup) {
  constexpr double kWarmUpSeconds = 0.005;
  warmup = std::max(1, warmup);
  double estimate = time_iterations(warmup);
  // Every rank gets the same estimate (the slowest rank's), so all agree on the count.
  int more = collective::IterationsForTarget(estimate, kWarmUpSeconds, 100000);
  if (more > warmup) estimate = time_iterations(more);
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

bool AnyRankStopped(MPI_Comm comm, bool stop_here) {
  int mine = stop_here ? 1 : 0, any = 0;
  KILN_MPI_CHECK(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm));
  return any != 0;
}

std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help) {
  return {
      {"sizes", ParamType::kByteList, default_sizes, sizes_help},
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
