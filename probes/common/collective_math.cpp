#include "probes/common/collective_math.hpp"

#include <algorithm>
#include <cmath>

namespace kiln::collective {

double BusBandwidthFactor(Collective collective, int ranks) {
  if (ranks <= 0) return 0;
  double n = ranks;
  switch (collective) {
    case Collective::kAllReduce: return 2.0 * (n - 1) / n;
    case Collective::kReduceScatter:
    case Collective::kAllGather:
    case Collective::kAllToAll: return (n - 1) / n;
    case Collective::kBroadcast:
    case Collective::kReduce: return 1.0;
  }
  return 1.0;
}

const char* BusBandwidthFormula(Collective collective) {
  switch (collective) {
    case Collective::kAllReduce: return "2(n-1)/n";
    case Collective::kReduceScatter:
    case Collective::kAllGather:
    case Collective::kAllToAll: return "(n-1)/n";
    case Collective::kBroadcast:
    case Collective::kReduce: return "1";
  }
  return "1";
}

double AlgorithmBandwidth(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0; }

float AllReduceExpected(int ranks, std::uint64_t i) {
  // Ranks r = 0..n-1 contribute (r + i) % 3 + 1: full cycles of 3 add 1+2+3 = 6, the rest starts at i % 3.
  std::uint64_t n = static_cast<std::uint64_t>(ranks);
  std::uint64_t sum = (n / 3) * 6;
  for (std::uint64_t r = 0; r < n % 3; ++r) sum += (r + i) % 3 + 1;
  return static_cast<float>(sum);
}

int IterationsForTarget(double seconds_per_iteration, double target_seconds, int max_iterations) {
  if (seconds_per_iteration <= 0) return std::max(1, max_iterations);
  double wanted = std::floor(target_seconds / seconds_per_iteration);
  return static_cast<int>(std::clamp(wanted, 1.0, static_cast<double>(std::max(1, max_iterations))));
}

double PredictedIterationSeconds(double last_bytes, double last_seconds, double bytes) {
  if (!(last_bytes > 0) || !(last_seconds > 0)) return 0;
  return last_seconds * std::max(1.0, bytes / last_bytes);
}

}  // namespace kiln::collective
