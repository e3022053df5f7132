#pragma once
// The Communicator over an MPI communicator. Only the thread that initialised MPI calls these (the harness runs
// collective probes on it; its watchdogs never call MPI), so MPI_THREAD_SINGLE or FUNNELED is enough.

#include <mpi.h>

#include <string>

#include "core/communicator.hpp"

namespace kiln {

// Throws RunError with the call's text, file:line and the MPI error string when an MPI call fails.
void CheckMpi(int code, const char* call, const char* file, int line);
#define KILN_MPI_CHECK(call) ::kiln::CheckMpi((call), #call, __FILE__, __LINE__)

class MpiCommunicator final : public Communicator {
 public:
  // Takes ownership of `comm` (freed on destruction) unless it is MPI_COMM_WORLD.
  explicit MpiCommunicator(MPI_Comm comm);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int Rank() const override { return rank_; }
  int Size() const override { return size_; }
  void Barrier() override;
  void QuietBarrier() override;
  std::int64_t AllreduceMax(std::int64_t value) override;
  std::vector<std::string> GatherToRoot(const std::string& text) override;
  void GatherToRootAsArrived(const std::string& text, const ArrivalFn& arrived) override;
  std::string BroadcastFromRoot(const std::string& text) override;
  std::unique_ptr<Communicator> Split(int color, int key) override;
  std::unique_ptr<Communicator> Duplicate() override;

  MPI_Comm handle() const { return comm_; }

 private:
  MPI_Comm comm_;
  bool owned_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace kiln
