#pragma once
// The GEMM burn's throughput over time, from chunks of GEMMs timed back to back on the GPU: the burst (the first
// second, clocks still at their maximum), the sustained rate (after the clocks settle under the power limit) and the
// whole time series. Plain C++, tested on the CPU.

#include <cstdint>
#include <vector>

namespace kiln::gpu {

struct BurnChunk {
  std::uint64_t gemms = 0;
  double seconds = 0;  // GPU time of the chunk's GEMMs (CUDA events)
};

struct BurnWindows {
  double burst_seconds = 1;   // chunks that start within this much GEMM time are the burst
  double settle_seconds = 3;  // samples that start at or after this are sustained
  double sample_seconds = 1;  // a sample gathers whole chunks until it spans at least this
};

// Windows for a burn of `duration` seconds: a third of a short burn at most, so that every part has samples.
BurnWindows WindowsFor(double duration, double sample_seconds);

struct BurnSeries {
  std::vector<double> burst;      // TFLOPS per chunk in the burst window
  std::vector<double> sustained;  // TFLOPS per sample from the settle time on
  std::vector<double> timeline;   // TFLOPS per sample over the whole burn, in order
  double settle_seconds = 0;      // where sustained samples begin (GEMM time)
  bool sustained_is_timeline = false;  // the burn ended before the settle time: sustained covers every sample
};

BurnSeries SummarizeBurn(const std::vector<BurnChunk>& chunks, std::uint64_t n, const BurnWindows& windows);

// GEMMs per chunk so that a chunk takes about `target_seconds`: at least 1, at most `limit` (a pass's matrices).
std::uint64_t GemmsPerChunk(double seconds_per_gemm, double target_seconds, std::uint64_t limit);

// The candidate with the highest median rate; ties keep the earlier (the library's default comes first).
// rates[c] holds candidate c's trial rates; an empty list never wins. -1 when none has a rate.
int FastestCandidate(const std::vector<std::vector<double>>& rates);

}  // namespace kiln::gpu
