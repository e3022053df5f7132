#pragma once
// The ranks a paced collective sweep runs on, and the three small reductions it needs of them: the slowest
// rank's time, a vote (the largest value), a sum on rank 0. The MPI probes give it blocking MPI reductions
// (probes/common/mpi_probe_support.hpp); the GPU plug-in, which has no MPI, gives it the Kiln Communicator.

#include <cstdint>

#include "core/communicator.hpp"

namespace kiln {

class SweepGroup {
 public:
  virtual ~SweepGroup() = default;
  virtual int Rank() const = 0;
  virtual int Size() const = 0;
  // All ranks call each of the following together, in the same order.
  // The largest of every rank's `seconds`: a collective's time is its slowest rank's.
  virtual double MaxSeconds(double seconds) = 0;
  // The largest of every rank's `value` (the ranks' vote on stopping).
  virtual int MaxVote(int value) = 0;
  // The sum of every rank's `count` on rank 0; what other ranks get is unspecified.
  virtual std::int64_t SumOnRoot(std::int64_t count) = 0;
};

// A SweepGroup over the Kiln Communicator (no MPI here: the GPU plug-in uses it).
class CommunicatorGroup final : public SweepGroup {
 public:
  explicit CommunicatorGroup(Communicator& comm) : comm_(comm) {}
  int Rank() const override { return comm_.Rank(); }
  int Size() const override { return comm_.Size(); }
  double MaxSeconds(double seconds) override;
  int MaxVote(int value) override;
  std::int64_t SumOnRoot(std::int64_t count) override;

 private:
  Communicator& comm_;
};

}  // namespace kiln
