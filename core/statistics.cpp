#include "core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace kiln {

double Median(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  std::size_t mid = sorted.size() / 2;
  return sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
}

double RobustDeviation(std::span<const double> values) {
  double median = Median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::fabs(v - median));
  return 1.4826 * Median(deviations);
}

Summary Summarize(std::span<const double> samples) {
  if (samples.empty()) throw std::invalid_argument("summary of no samples");
  for (double s : samples) {
    if (!std::isfinite(s)) throw std::invalid_argument("non-finite sample");
  }
  Summary summary;
  summary.count = samples.size();
  summary.median = Median(samples);
  auto [min, max] = std::minmax_element(samples.begin(), samples.end());
  summary.min = *min;
  summary.max = *max;
  double sum = 0;
  for (double s : samples) sum += s;
  summary.mean = sum / static_cast<double>(samples.size());
  if (samples.size() > 1) {
    double squares = 0;
    for (double s : samples) squares += (s - summary.mean) * (s - summary.mean);
    summary.stddev = std::sqrt(squares / static_cast<double>(samples.size() - 1));
  }
  summary.cv = summary.mean != 0 ? summary.stddev / std::fabs(summary.mean) : 0;
  return summary;
}

}  // namespace kiln
