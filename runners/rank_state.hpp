#pragma once
// Where one rank is in the run, in one line ("step 4, in its probe for 12 s: size 64 MiB"), its form on the wire,
// and what rank 0's heartbeat says about the ranks from their latest states: the ones silent, else the one furthest
// behind. Pure: no sockets, no MPI (runners/state_channel carries the states).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct RankState {
  int rank = 0;
  std::size_t step = 0;    // the suite's step, from 0
  int round = 0;           // the round of a pair step, from 0
  bool gathering = false;  // past its probe: sending its results, waiting for the others
  double stage_s = 0;      // how long it has been in its probe or gathering, by its own clock
  std::string doing;       // what its probe last said (ProbeProgress)
};

// One datagram: the channel's `token` (rank 0 drops a datagram without it) and the state, `doing` cut to 120 bytes.
std::string StateToWire(std::uint64_t token, const RankState& state);
// The state in `wire` if it carries `token` and is well formed with a rank below `ranks`; else nothing.
std::optional<RankState> StateFromWire(const std::string& wire, std::uint64_t token, int ranks);

// Rank 0's latest knowledge of one rank: its state and how long ago that arrived.
struct HeardState {
  RankState state;
  double age_s = 0;
};

// What the heartbeat says about the other ranks, from `heard[r]` (rank r's latest state, if any arrived; rank 0's is
// its own, age 0) and `rank_nodes[r]`: "silent: rank 3 on node-c (nothing for 12s)" for ranks not heard for more
// than `silent_after_s` (never heard counts, once another rank was heard); else "slowest: rank 2 on node-b, in its
// probe for 14s: sleeping (3 of 4 ranks done)" when some ranks are further than others; else "all 4 ranks in the
// probe" (or "gathering"). Empty when no rank but 0 was heard (no channel). Names and probe text are not escaped.
std::string DescribeRanks(const std::vector<std::optional<HeardState>>& heard, const std::vector<std::string>& rank_nodes,
                          double silent_after_s);
// "waiting for the results of rank 2 on node-b": the ranks whose `arrived[r]` is 0, when the states are not known.
std::string DescribeWaiting(const std::vector<char>& arrived, const std::vector<std::string>& rank_nodes);

}  // namespace kiln
