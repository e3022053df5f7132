#include "probes/gpu_stress/burn_series.hpp"

#include <algorithm>
#include <cmath>

#include "core/statistics.hpp"
#include "probes/gpu_stress/gemm_math.hpp"

namespace kiln::gpu {

BurnWindows WindowsFor(double duration, double sample_seconds) {
  BurnWindows w;
  w.sample_seconds = sample_seconds;
  w.burst_seconds = std::min(1.0, duration / 3);
  w.settle_seconds = std::min(3.0, duration / 3);
  return w;
}

BurnSeries SummarizeBurn(const std::vector<BurnChunk>& chunks, std::uint64_t n, const BurnWindows& windows) {
  BurnSeries series;
  series.settle_seconds = windows.settle_seconds;
  double offset = 0;  // GEMM time before the current chunk
  std::uint64_t sample_gemms = 0;
  double sample_seconds = 0, sample_start = 0;
  auto close_sample = [&] {
    double rate = GemmTflops(n, sample_gemms, sample_seconds);
    series.timeline.push_back(rate);
    if (sample_start >= windows.settle_seconds) series.sustained.push_back(rate);
    sample_gemms = 0;
    sample_seconds = 0;
  };
  for (const BurnChunk& chunk : chunks) {
    if (chunk.gemms == 0 || !(chunk.seconds > 0)) continue;
    if (offset < windows.burst_seconds) series.burst.push_back(GemmTflops(n, chunk.gemms, chunk.seconds));
    // A sample never spans the settle time: what comes after is measured on its own.
    if (sample_gemms > 0 && sample_start < windows.settle_seconds && offset >= windows.settle_seconds) close_sample();
    if (sample_gemms == 0) sample_start = offset;
    sample_gemms += chunk.gemms;
    sample_seconds += chunk.seconds;
    offset += chunk.seconds;
    if (sample_seconds >= windows.sample_seconds) close_sample();
  }
  // A last short sample still counts (the burn's end is not a slower GPU) unless it is a sliver.
  if (sample_gemms > 0 && (series.timeline.empty() || sample_seconds >= windows.sample_seconds / 4)) close_sample();
  if (series.sustained.empty()) {
    series.sustained = series.timeline;
    series.sustained_is_timeline = true;
  }
  return series;
}

std::uint64_t GemmsPerChunk(double seconds_per_gemm, double target_seconds, std::uint64_t limit) {
  limit = std::max<std::uint64_t>(limit, 1);
  if (!(seconds_per_gemm > 0) || !std::isfinite(seconds_per_gemm)) return limit;
  double gemms = std::floor(target_seconds / seconds_per_gemm);
  if (gemms < 1) return 1;
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(std::min(gemms, 1e18)), limit);
}

int FastestCandidate(const std::vector<std::vector<double>>& rates) {
  int best = -1;
  double best_rate = 0;
  for (std::size_t c = 0; c < rates.size(); ++c) {
    if (rates[c].empty()) continue;
    double rate = Median(rates[c]);
    if (best < 0 || rate > best_rate) {
      best = static_cast<int>(c);
      best_rate = rate;
    }
  }
  return best;
}

}  // namespace kiln::gpu
