#pragma once
// nccl-tests' bandwidth arithmetic and Kiln's exactly predictable collective data (no MPI here).

#include <cstdint>

namespace kiln::collective {

enum class Collective { kAllReduce, kReduceScatter, kAllGather, kAllToAll, kBroadcast, kReduce };

// busbw = algbw x factor (nccl-tests doc/PERFORMANCE.md): all_reduce 2(n-1)/n; reduce_scatter, all_gather,
// alltoall (n-1)/n; broadcast and reduce 1.
double BusBandwidthFactor(Collective collective, int ranks);
// That factor as the method texts write it: "2(n-1)/n", "(n-1)/n", "1".
const char* BusBandwidthFormula(Collective collective);

// algbw in GB/s (1e9 B/s).
double AlgorithmBandwidth(double bytes, double seconds);

// Input element i of `rank`: small integers as floats so every sum over up to millions of ranks is exact.
inline float AllReduceInput(int rank, std::uint64_t i) {
  return static_cast<float>((static_cast<std::uint64_t>(rank) + i) % 3 + 1);
}
// The exact sum over `ranks` ranks of AllReduceInput(r, i).
float AllReduceExpected(int ranks, std::uint64_t i);

// Iterations per timed sample so that one sample takes about `target_seconds`, given one warm-up
// iteration took `seconds_per_iteration`; at least 1, at most `max_iterations`.
int IterationsForTarget(double seconds_per_iteration, double target_seconds, int max_iterations);

// The seconds one iteration of `bytes` is expected to take, from the last size measured (`last_bytes`,
// `last_seconds` per iteration): in proportion to the bytes, as a bandwidth-bound collective grows, and never
// less than the last size took. Over-estimates latency-bound sizes, which only makes a sweep stop earlier.
double PredictedIterationSeconds(double last_bytes, double last_seconds, double bytes);

}  // namespace kiln::collective
