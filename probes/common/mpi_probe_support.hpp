#pragma once
// What the MPI probes share: the launch they need, their group's reductions as blocking MPI calls (for the paced
// sweep, probes/common/collective_sweep.hpp, and the pacer), and the thread level for method texts.

#include <mpi.h>

#include <optional>
#include <string>

#include "core/probe.hpp"
#include "probes/common/sweep_group.hpp"

namespace kiln {

// Why a probe cannot run here: not launched under MPI, or a job with fewer than `at_least` ranks (with
// `exactly`, any other number). nullopt when it can.
std::optional<std::string> MpiLaunchProblem(const ProbeContext& ctx, int at_least, std::optional<int> exactly = {});

// The SweepGroup of an MPI communicator: each reduction one blocking MPI_Allreduce.
class MpiGroup final : public SweepGroup {
 public:
  explicit MpiGroup(MPI_Comm comm);
  int Rank() const override { return rank_; }
  int Size() const override { return size_; }
  double MaxSeconds(double seconds) override;
  int MaxVote(int value) override;
  std::int64_t SumOnRoot(std::int64_t count) override;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// The thread level MPI was initialised at, as its constant is named: "MPI_THREAD_SINGLE" (for method strings).
std::string MpiThreadLevel();

}  // namespace kiln
