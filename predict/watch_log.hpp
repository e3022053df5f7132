#pragma once
// What `kiln watch` writes from its readings: replay lines (docs/predict.md) for DIR/samples.jsonl, only for the
// series that changed or were last written an hour ago (a series keeps its last value until its next sample, so
// nothing is lost, and a 1 s interval does not write 3,600 copies of an unchanged counter), and the node_exporter
// textfile DIR/kiln-watch.prom with every reading now.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "predict/reading.hpp"

namespace kiln::predict {

class WatchLog {
 public:
  explicit WatchLog(std::string node, std::int64_t keepalive_seconds = 3600)
      : node_(std::move(node)), keepalive_seconds_(keepalive_seconds) {}
  // The replay lines (each ending in '\n') of the readings at t that are new, changed, or due again, and of every
  // event reading: preceded by a line of value 0 at t when the code is the series' last written value (or that is
  // not known), so that each event is a change of value, in file order (the replay's sort keeps a series' samples
  // at one t in that order).
  std::string ReplayLines(std::int64_t t, const std::vector<Reading>& readings);
  // Forgets what was written: after a failed write, every series is written again at the next reading.
  void Forget() { written_.clear(); }
  // Series written at least once.
  std::size_t series() const { return written_.size(); }

 private:
  struct Written {
    double value = 0;
    std::int64_t t = 0;
  };
  std::string Line(std::int64_t t, const Reading& reading, double value) const;

  std::string node_;
  std::int64_t keepalive_seconds_;
  std::map<std::string, Written> written_;  // by metric and labels
};

// The node_exporter textfile of the readings at t: HELP and TYPE once per metric, label values escaped as the
// exposition format asks, one sample a series (its last reading: a gauge's several events at one reading end in
// the last), and kiln_watch_last_reading_timestamp_seconds.
std::string RenderTextfile(std::int64_t t, const std::vector<Reading>& readings);

}  // namespace kiln::predict
