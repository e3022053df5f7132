#pragma once
// Summaries of repeated samples, and robust statistics for fleet-relative rules.

#include <cstddef>
#include <span>
#include <vector>

namespace kiln {

struct Summary {
  std::size_t count = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n-1); 0 for a single sample
  double cv = 0;      // stddev / mean; 0 when the mean is 0
};

// Throws std::invalid_argument on an empty span or a non-finite sample.
Summary Summarize(std::span<const double> samples);

double Median(std::span<const double> values);
// For callers whose compiler will not convert a vector to a span (nvcc).
inline double Median(const std::vector<double>& values) { return Median(std::span<const double>(values.data(), values.size())); }

// Median absolute deviation scaled by 1.4826, so it estimates the standard deviation of normal data.
double RobustDeviation(std::span<const double> values);

}  // namespace kiln
