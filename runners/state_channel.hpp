#pragma once
// Carries every rank's one-line state (runners/rank_state) to rank 0 over UDP, outside MPI: a rank's watch thread,
// which may not call MPI, sends while its main thread is inside a collective, and rank 0's watch thread reads. Best
// effort and never blocking: a datagram lost, a socket that cannot open or a network that drops UDP costs only the
// states (rank 0 then describes fewer ranks); it never stops, slows or hangs a rank. Datagrams carry a random token
// of the run: others that reach the port are dropped.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "core/communicator.hpp"
#include "runners/rank_state.hpp"

namespace kiln {

class StateChannel {
 public:
  // Every rank of `world` calls it (one broadcast from rank 0). Rank 0 listens on a UDP port on every IPv4 address
  // it has and tells the others where; each other rank opens a socket to send from. Returns nullptr on every rank
  // when `wanted` is false (the same on all ranks), the job has one rank, or rank 0 could not listen.
  static std::unique_ptr<StateChannel> Open(Communicator& world, bool wanted);
  ~StateChannel();
  StateChannel(const StateChannel&) = delete;
  StateChannel& operator=(const StateChannel&) = delete;

  // Any rank but 0, from any thread: sends `state` to each of rank 0's addresses, without waiting.
  void Send(const RankState& state) const;
  // Rank 0: reads what has arrived; returns each rank's latest state, if any came, with its age (rank 0's: none).
  std::vector<std::optional<HeardState>> Heard();

 private:
  StateChannel(int fd, std::uint64_t token, int ranks, std::vector<sockaddr_in> rank0);
  void Drain();

  int fd_ = -1;
  std::uint64_t token_ = 0;
  int ranks_ = 0;
  std::vector<sockaddr_in> rank0_;  // where rank 0 listens (other ranks)
  std::mutex mutex_;                // rank 0: the states below
  struct Latest {
    RankState state;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<std::optional<Latest>> latest_;
};

}  // namespace kiln
