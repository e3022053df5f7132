#include "predict/performance_drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace kiln::predict {
namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Peers are the series of the same metric and data type ("type=bf16"), on every node and device.
std::string PeerGroup(const SeriesKey& key) {
  std::string group = key.metric;
  std::size_t start = 0;
  while (start <= key.device.size()) {
    std::size_t end = std::min(key.device.find(',', start), key.device.size());
    std::string part = key.device.substr(start, end - start);
    if (part.starts_with("type=")) group += '|' + part;
    start = end + 1;
  }
  return group;
}

// The median of `sorted` with one element equal to `own` left out.
double MedianWithout(const std::vector<double>& sorted, double own) {
  auto skip = static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), own) - sorted.begin());
  auto at = [&](std::size_t k) { return sorted[k < skip ? k : k + 1]; };
  std::size_t n = sorted.size() - 1;
  if (n == 0) return 0;
  return n % 2 == 1 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

std::string Percent(double share) { return fmt::format("{:+.1f}%", 100 * share); }

}  // namespace

PerformanceDrift::PerformanceDrift(const std::vector<SeriesKey>& keys, PerformanceDriftOptions options)
    : keys_(keys), options_(options) {
  for (std::uint32_t id = 0; id < keys.size(); ++id) {
    if (IsPerformance(keys[id].signal)) by_metric_[PeerGroup(keys[id])].push_back(id);
  }
}

void PerformanceDrift::Add(const Sample& sample) {
  Series& s = series_[sample.series];
  if (!s.points.empty() && s.points.back().t == sample.t) {
    s.points.back().value = sample.value;  // one measurement a sweep: a repeated sample replaces it
  } else {
    s.points.push_back({sample.t, sample.value});
    pending_.push_back(sample.series);
  }
  pending_t_ = sample.t;
  const std::size_t recent = static_cast<std::size_t>(options_.recent_sweeps);
  while (s.points.size() > static_cast<std::size_t>(options_.baseline_sweeps) + recent) s.points.pop_front();
  // The latest point against the points before the recent ones: a drift that began within the recent sweeps does
  // not lower its own reference.
  s.has_change = false;
  if (s.points.size() < recent + static_cast<std::size_t>(options_.min_baseline_sweeps)) return;
  std::vector<double> before;
  for (std::size_t i = 0; i + recent < s.points.size(); ++i) before.push_back(s.points[i].value);
  double median = Median(before);
  if (!(median > 0)) return;
  std::vector<double> deviations;
  for (double v : before) deviations.push_back(std::fabs(v - median));
  s.before = median;
  s.spread = 1.4826 * Median(deviations) / median;
  s.change = s.points.back().value / median - 1;
  s.has_change = true;
}

void PerformanceDrift::JudgeBefore(std::int64_t t, std::vector<Alert>& alerts) {
  if (pending_.empty() || t <= pending_t_) return;
  Finish(alerts);
}

void PerformanceDrift::Finish(std::vector<Alert>& alerts) {
  // The order of the file's lines never changes the order of the alerts: node, device, metric.
  std::sort(pending_.begin(), pending_.end(), [this](std::uint32_t a, std::uint32_t b) {
    return std::tie(keys_[a].node, keys_[a].device, keys_[a].metric) <
           std::tie(keys_[b].node, keys_[b].device, keys_[b].metric);
  });
  std::map<std::string, Fleet> fleets;  // per peer group, once a sweep: thousands of GPUs share one
  for (std::uint32_t id : pending_) {
    std::string group = PeerGroup(keys_[id]);
    auto it = fleets.find(group);
    if (it == fleets.end()) it = fleets.emplace(group, FleetOf(group, pending_t_)).first;
    Judge(id, pending_t_, it->second, alerts);
  }
  pending_.clear();
}

PerformanceDrift::Fleet PerformanceDrift::FleetOf(const std::string& group, std::int64_t t) const {
  Fleet fleet;
  for (std::uint32_t id : by_metric_.at(group)) {
    auto it = series_.find(id);
    if (it == series_.end() || it->second.points.empty()) continue;
    const Series& p = it->second;
    if (t - p.points.back().t > options_.peer_stale_seconds) continue;
    fleet.values.push_back(p.points.back().value);
    if (p.has_change) fleet.changes.push_back(p.change);
  }
  std::sort(fleet.values.begin(), fleet.values.end());
  std::sort(fleet.changes.begin(), fleet.changes.end());
  return fleet;
}

void PerformanceDrift::Judge(std::uint32_t id, std::int64_t t, const Fleet& fleet_now, std::vector<Alert>& alerts) {
  Series& s = series_[id];
  // The peers: the fleet without this series (it is in the fleet: measured at t).
  std::size_t peers = fleet_now.changes.size() - (s.has_change ? 1 : 0);
  bool judged = s.has_change && static_cast<int>(peers) >= options_.min_peers;
  double fleet = judged ? MedianWithout(fleet_now.changes, s.change) : 0;
  double threshold = std::max(options_.min_drop, options_.spread_factor * s.spread);
  // Low against its own past and against the fleet's: a change the whole fleet shares is no fault of this one.
  bool low = judged && s.change < -threshold && s.change - fleet < -threshold;
  s.low.push_back(low);
  while (s.low.size() > static_cast<std::size_t>(options_.recent_sweeps)) s.low.pop_front();
  int lows = static_cast<int>(std::count(s.low.begin(), s.low.end(), true));
  if (!low || lows < options_.low_sweeps) return;
  if (s.last_alert >= 0 && t - s.last_alert < options_.realert_seconds) return;
  s.last_alert = t;
  const SeriesKey& key = keys_[id];
  double now = s.points.back().value;
  double fleet_value = MedianWithout(fleet_now.values, now);
  Alert alert;
  alert.t = t;
  alert.node = key.node;
  alert.risk = key.signal == Signal::kLinkPerformance ? "link" : "gpu";
  alert.device = key.device;
  alert.rule = "performance_drift";
  alert.reason = fmt::format(
      "{} fell {:.1f}% against its own past while the fleet's moved {} (low in {} of the last {} sweeps): its "
      "median before {:.4g}, now {:.4g}, the fleet's now {:.4g}",
      key.metric, -100 * s.change, Percent(fleet), lows, s.low.size(), s.before, now, fleet_value);
  alert.evidence = {{"metric", key.metric},      {"before", s.before},  {"now", now},
                    {"fleet_now", fleet_value},  {"change", s.change},  {"fleet_change", fleet},
                    {"threshold", threshold},    {"low_sweeps", lows},  {"peers", peers}};
  alerts.push_back(std::move(alert));
}

}  // namespace kiln::predict
