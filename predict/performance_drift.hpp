#pragma once
// Kiln's own signals (issue 27 item 7): a GPU's HBM, GEMM or PCIe bandwidth, a link's bandwidth, measured once a
// sweep (hourly to daily, never dense). A measurement is low when it fell against its own past AND against the
// fleet's peers at the same time, by more than a minimum share and well above its own spread: a fleet-wide change
// (a driver update, a new suite's sizes) moves the peers too and alerts nothing. It alerts when the measurement is
// low now and in 2 of the last 3 sweeps (persistence: one slow sweep, a contended run, is no trend).
//
// Causal: a sweep's measurements at t are judged once every sample at t is in (when the replay moves past t, or at
// its end), with peers' measurements at or before t only; the alert carries t.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "predict/alert.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {

struct PerformanceDriftOptions {
  int baseline_sweeps = 8;      // the series' own past: the median of up to this many sweeps before the recent ones
  int min_baseline_sweeps = 3;  // fewer: no judgement yet
  int recent_sweeps = 3;        // persistence: of the last this many sweeps ...
  int low_sweeps = 2;           // ... at least this many low, the latest among them
  double min_drop = 0.05;       // a low measurement lost at least this share against its past and the fleet's
  double spread_factor = 4;     // ... and this many times its own spread (MAD of its past, as a share)
  int min_peers = 3;            // fleet comparison needs this many other series of the metric
  std::int64_t peer_stale_seconds = 14 * 86400;  // a peer last measured longer ago says nothing about now
  std::int64_t realert_seconds = 6 * 3600;
};

class PerformanceDrift {
 public:
  PerformanceDrift(const std::vector<SeriesKey>& keys, PerformanceDriftOptions options);
  // A measurement at t (time order). Call JudgeBefore(t) first.
  void Add(const Sample& sample);
  // Judges the sweep measured before `t` (every sample at that time is in); appends its alerts.
  void JudgeBefore(std::int64_t t, std::vector<Alert>& alerts);
  // The end of the replay: judges what is pending.
  void Finish(std::vector<Alert>& alerts);

 private:
  struct Point {
    std::int64_t t = 0;
    double value = 0;
  };
  struct Series {
    std::deque<Point> points;  // the last baseline_sweeps + recent_sweeps - 1
    std::deque<bool> low;      // the last recent_sweeps judgements
    bool has_change = false;   // the latest point against this series' own past, when it has one
    double change = 0;         // latest / median before - 1
    double before = 0;         // the median before
    double spread = 0;         // 1.4826 MAD / median of the points before: the series' own noise, as a share
    std::int64_t last_alert = -1;
  };

  struct Fleet {  // a peer group's series measured within peer_stale_seconds, sorted
    std::vector<double> values;   // their latest values
    std::vector<double> changes;  // their latest changes against their own past
  };
  Fleet FleetOf(const std::string& group, std::int64_t t) const;
  void Judge(std::uint32_t id, std::int64_t t, const Fleet& fleet, std::vector<Alert>& alerts);

  const std::vector<SeriesKey>& keys_;
  PerformanceDriftOptions options_;
  std::map<std::uint32_t, Series> series_;
  std::map<std::string, std::vector<std::uint32_t>> by_metric_;
  std::vector<std::uint32_t> pending_;  // series measured at pending_t_
  std::int64_t pending_t_ = -1;
};

}  // namespace kiln::predict
