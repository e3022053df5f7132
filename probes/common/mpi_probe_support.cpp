#include "probes/common/mpi_probe_support.hpp"

#include <fmt/format.h>

#include "comm/mpi_communicator.hpp"

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

MpiGroup::MpiGroup(MPI_Comm comm) : comm_(comm) {
  KILN_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  KILN_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

double MpiGroup::MaxSeconds(double seconds) {
  double slowest = 0;
  KILN_MPI_CHECK(MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm_));
  return slowest;
}

int MpiGroup::MaxVote(int value) {
  int any = 0;
  KILN_MPI_CHECK(MPI_Allreduce(&value, &any, 1, MPI_INT, MPI_MAX, comm_));
  return any;
}

std::int64_t MpiGroup::SumOnRoot(std::int64_t count) {
  std::int64_t total = 0;
  KILN_MPI_CHECK(MPI_Allreduce(&count, &total, 1, MPI_INT64_T, MPI_SUM, comm_));
  return total;
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

}  // namespace kiln
