#pragma once
// Parsing ib_write_bw / ib_write_lat output by its header names (perftest versions differ in columns and units).

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::perftest {

// The output does not hold a result: names what was wrong (perftest's own error text when it printed one).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BwRow {
  std::uint64_t bytes = 0;
  std::uint64_t iterations = 0;
  std::optional<double> peak_gbps;  // absent (or 0) in duration mode (-D)
  double average_gbps = 0;
  std::optional<double> message_rate_mpps;
};

struct LatRow {
  std::uint64_t bytes = 0;
  std::uint64_t iterations = 0;
  double min_us = 0, max_us = 0, typical_us = 0;
  std::optional<double> average_us, stdev_us, p99_us, p999_us;  // older versions lack some
};

// Throws OutputError: perftest's error text, no table, a truncated table, a row that does not fit the header.
std::vector<BwRow> ParseBw(const std::string& output);
std::vector<LatRow> ParseLat(const std::string& output);

// MB/sec and MiB/sec in perftest are 2^20 bytes per second.
double ToGbps(double value, const std::string& unit);

}  // namespace kiln::perftest
