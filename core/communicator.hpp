#pragma once
// The group of processes a step runs on. A local one (a single process) keeps the runner testable
// without mpirun; the MPI one lives in comm/mpi_communicator.hpp.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int Rank() const = 0;
  virtual int Size() const = 0;
  // All ranks must call each of the following, in the same order.
  virtual void Barrier() = 0;
  // A barrier that sleeps while it waits: ranks idle during another rank's node-local step must not
  // spin on the cores that step is measuring.
  virtual void QuietBarrier() = 0;
  virtual std::int64_t AllreduceMax(std::int64_t value) = 0;
  // Rank 0 receives every rank's text in rank order; other ranks get an empty vector.
  virtual std::vector<std::string> GatherToRoot(const std::string& text) = 0;
  // Rank 0 calls `arrived(rank, text)` for its own text, then for each other rank's as it arrives, in whatever
  // order; the others send theirs. Rank 0 waits quietly and always knows who is missing (a watchdog can name
  // them), which a blocking gather cannot tell.
  using ArrivalFn = std::function<void(int rank, std::string text)>;
  virtual void GatherToRootAsArrived(const std::string& text, const ArrivalFn& arrived) = 0;
  // Every rank receives rank 0's text.
  virtual std::string BroadcastFromRoot(const std::string& text) = 0;
  // Ranks with the same color form a new communicator, ordered by key; color < 0 gets nullptr.
  virtual std::unique_ptr<Communicator> Split(int color, int key) = 0;
  // A communicator with the same members whose traffic cannot mix with this one's.
  virtual std::unique_ptr<Communicator> Duplicate() = 0;
};

// One process, alone: collectives are identities.
class LocalCommunicator final : public Communicator {
 public:
  int Rank() const override { return 0; }
  int Size() const override { return 1; }
  void Barrier() override {}
  void QuietBarrier() override {}
  std::int64_t AllreduceMax(std::int64_t value) override { return value; }
  std::vector<std::string> GatherToRoot(const std::string& text) override { return {text}; }
  void GatherToRootAsArrived(const std::string& text, const ArrivalFn& arrived) override { arrived(0, text); }
  std::string BroadcastFromRoot(const std::string& text) override { return text; }
  std::unique_ptr<Communicator> Split(int color, int) override {
    return color < 0 ? nullptr : std::make_unique<LocalCommunicator>();
  }
  std::unique_ptr<Communicator> Duplicate() override { return std::make_unique<LocalCommunicator>(); }
};

}  // namespace kiln
