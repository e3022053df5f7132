#pragma once
// The replay format (docs/predict.md): JSON Lines, one sample a line,
//   {"t": 1767225600, "node": "gn0001", "metric": "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "labels": {"gpu": "3"}, "value": 12}
// in any line order. ReadReplay keeps the samples of known metrics as compact records (24 bytes each, the series
// named once) and hands them out in time order; unknown metrics cost one parse and nothing after.

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <unordered_map>
#include <vector>

#include "predict/signal.hpp"

namespace kiln::predict {

// One series: a node's metric on one device ("gpu=3", "device=mlx5_0,port=1").
struct SeriesKey {
  std::string node;
  std::string metric;
  std::string device;  // identifying labels, sorted, "k=v,k=v"; empty for node-wide series
  Signal signal = Signal::kUnknown;
};

struct Sample {
  std::int64_t t = 0;  // unix seconds
  std::uint32_t series = 0;
  double value = 0;
};

class Replay {
 public:
  // Parses one line (1-based `line_number` for messages). Throws InputError "file:line: ..." on a line that is not
  // a sample; skips blank lines and unknown metrics.
  void AddLine(const std::string& line, const std::string& file, int line_number);
  // Reads every line of `in`.
  void AddStream(std::istream& in, const std::string& file);
  // Orders the samples by time, ties by series name, so the order never depends on the file's line order.
  void Sort();

  const std::vector<SeriesKey>& series() const { return series_; }
  const std::vector<Sample>& samples() const { return samples_; }
  std::int64_t lines_ignored() const { return lines_ignored_; }

 private:
  std::uint32_t Intern(SeriesKey key);

  std::vector<SeriesKey> series_;
  std::vector<Sample> samples_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::int64_t lines_ignored_ = 0;
};

// Reads a replay file (exit 2 naming the line on bad input, 3 when it cannot be read) and sorts it.
Replay ReadReplay(const std::string& path);

}  // namespace kiln::predict
