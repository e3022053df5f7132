// The predictor's rules beyond 2-of-3 persistence: bursts that come back over a week, steep growth, a clean series
// turning active (patterns.hpp), rows remapped again and again, and NVLink errors (counters and XID 74).

#include <fmt/format.h>

#include <algorithm>

#include "predict/predictor.hpp"

namespace kiln::predict {
namespace {

struct PatternSignal {
  Signal signal;
  const char* risk;
  const char* words;
};

constexpr PatternSignal kPatternSignals[] = {
    {Signal::kEccCorrectable, "gpu", "correctable ECC errors"},
    {Signal::kPcieReplay, "gpu", "PCIe replays"},
    {Signal::kIbSymbolErrors, "link", "symbol errors"},
    {Signal::kIbPortErrors, "link", "port errors"},
    {Signal::kNvlinkErrors, "link", "NVLink errors"},
    {Signal::kHostMemoryCorrectable, "node", "host memory correctable errors"},
};

constexpr std::int64_t kRemapMemorySeconds = 7 * 24 * kSecondsPerHour;

}  // namespace

const PatternRule* Predictor::PatternsOf(Signal signal) const {
  switch (signal) {
    case Signal::kEccCorrectable:
      return &options_.ecc_patterns;
    case Signal::kPcieReplay:
      return &options_.pcie_patterns;
    case Signal::kIbSymbolErrors:
    case Signal::kIbPortErrors:
    case Signal::kNvlinkErrors:
      return &options_.link_patterns;
    case Signal::kHostMemoryCorrectable:
      return &options_.host_memory_patterns;
    default:
      return nullptr;
  }
}

void Predictor::UpdatePatterns(SeriesState& state, Signal signal, const Sample& sample, double increment,
                               bool trusted) {
  if (state.counter.resets() != state.resets_seen) {
    state.resets_seen = state.counter.resets();
    state.patterns.Reset();
  }
  if (state.counter.restarts() != state.restarts_seen) {  // its past unknown: no clean stretch seen, no bursts
    state.restarts_seen = state.counter.restarts();
    state.patterns.Forget(HourOf(sample.t));
  }
  if (increment <= 0) return;
  if (signal == Signal::kRemappedRows || signal == Signal::kRemappedRowsUncorr) {
    state.remaps.emplace_back(sample.t, increment);
    while (state.remaps.front().first < sample.t - kRemapMemorySeconds) state.remaps.pop_front();
    RemapSeen(sample);
  }
  const PatternRule* rule = PatternsOf(signal);
  if (rule == nullptr) return;
  std::int64_t hour = HourOf(sample.t);
  state.patterns.Add(hour, increment, state.counter, trusted, *rule);
}

void Predictor::RemapSeen(const Sample& sample) {
  // A new remapped row, or a remap going pending: the GPU's correctable ECC burst of that hour is the remap's.
  const SeriesKey& key = keys_[sample.series];
  for (std::uint32_t id : nodes_[key.node].devices[key.device].by_signal[static_cast<int>(Signal::kEccCorrectable)]) {
    states_[id].patterns.Remapped(HourOf(sample.t));
  }
}

void Predictor::EvaluatePatterns(const std::string& device, const Device& series, std::int64_t t,
                                 std::vector<Alert>& raised) {
  std::int64_t hour = HourOf(t);
  for (const PatternSignal& kind : kPatternSignals) {
    const PatternRule& rule = *PatternsOf(kind.signal);
    for (std::uint32_t id : series.by_signal[static_cast<int>(kind.signal)]) {
      const SeriesState& s = states_[id];
      // A chronic series' bursts, steps and bad days are its habit until it outgrows it (a bursts rule exempting
      // bursts five times its busiest 6 h caught one precursor more and made a third more wrong episodes).
      if (!Outgrown(s.counter, hour)) continue;
      const std::string& metric = keys_[id].metric;
      CounterPatterns::BurstCount bursts = s.patterns.Bursts(hour, rule);
      if (bursts.since_reset >= rule.bursts_needed || bursts.all >= rule.bursts_across_resets) {
        raised.push_back(Candidate(
            kind.risk, device, "bursts",
            fmt::format("{} separate bursts of {} in {} h, {} since the counter's last reset ({}: {:g} or more in an "
                        "hour, {} h apart or more)",
                        bursts.all, kind.words, rule.burst_horizon, bursts.since_reset, metric, rule.min_burst,
                        rule.burst_gap_hours),
            {{"metric", metric}, {"bursts", bursts.all}, {"since_reset", bursts.since_reset},
             {"horizon_hours", rule.burst_horizon}}));
      }
      std::int64_t judged_from = hour - rule.steep_windows * rule.steep_width;
      double usual = s.counter.UsualPerHour(judged_from);
      if (double steep = SteepGrowth(s.counter, hour, usual, s.counter.Dispersion(judged_from), rule); steep > 0) {
        raised.push_back(Candidate(kind.risk, device, "steep",
                                   fmt::format("{} growing faster window after window, {} windows running ({}: +{:g}, "
                                               "usual {:.2g} an hour)",
                                               kind.words, rule.steep_windows, metric, steep, usual),
                                   {{"metric", metric}, {"increase", steep}, {"usual_per_hour", usual}}));
      }
      std::int64_t onset = s.patterns.CleanOnset();
      if (onset < 0 || hour - onset < static_cast<std::int64_t>(rule.active_windows) * rule.active_window_hours ||
          hour - onset > rule.onset_max_hours) {
        continue;
      }
      Activity activity = ActiveWindows(s.counter, hour - 1, rule);
      if (activity.active < rule.active_needed || activity.total < rule.onset_total) continue;
      raised.push_back(Candidate(
          kind.risk, device, "onset",
          fmt::format("{} began {} h ago after {} h or more without any, and keep coming ({}: +{:g}, {} of {} {}-h "
                      "windows active)",
                      kind.words, hour - onset, rule.clean_hours, metric, activity.total, activity.active,
                      rule.active_windows, rule.active_window_hours),
          {{"metric", metric}, {"onset_hours_ago", hour - onset}, {"increase", activity.total}}));
    }
  }
}

void Predictor::EvaluateRemaps(const std::string& device, const Device& series, std::int64_t t,
                               std::vector<Alert>& raised) {
  // One remap, which the next reset applies, is routine; rows remapped again within days (or while the first
  // still waits for its reset) are memory going bad.
  std::int64_t since = t - static_cast<std::int64_t>(options_.remap_hours) * kSecondsPerHour;
  const SeriesState* pending = First(series, Signal::kRemapPending);
  bool waiting = pending != nullptr && pending->pending_since >= 0 && pending->pending_since < since;
  if (waiting) since = pending->pending_since;
  double rows = 0;
  std::string metric;
  for (Signal signal : {Signal::kRemappedRows, Signal::kRemappedRowsUncorr}) {
    for (std::uint32_t id : series.by_signal[static_cast<int>(signal)]) {
      for (const auto& [when, count] : states_[id].remaps) {
        if (when < since) continue;
        rows += count;
        if (metric.empty()) metric = keys_[id].metric;
      }
    }
  }
  if (rows < options_.remaps_needed) return;
  std::string span = waiting ? fmt::format("since a remap went pending {} h ago", (t - since) / kSecondsPerHour)
                             : fmt::format("within {} h", options_.remap_hours);
  raised.push_back(Candidate("gpu", device, "remap_repeated",
                             fmt::format("{:g} rows newly remapped {} ({})", rows, span, metric),
                             {{"metric", metric}, {"rows", rows}, {"hours", (t - since) / kSecondsPerHour}}));
}

void Predictor::EvaluateNvlink(const std::string& device, const Device& series, std::int64_t t,
                               std::vector<Alert>& raised) {
  std::int64_t hour = HourOf(t);
  const SeriesState* xid = First(series, Signal::kXid);
  bool xid74 = xid != nullptr && xid->xid74_t >= 0 &&
               xid->xid74_t >= t - static_cast<std::int64_t>(options_.nvlink_xid_hours) * kSecondsPerHour;
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kNvlinkErrors)]) {
    const SeriesState& s = states_[id];
    if (!Outgrown(s.counter, hour)) continue;
    const std::string& metric = keys_[id].metric;
    Persistence p = Measure(s.counter, hour, options_.nvlink);
    if (p.Holds(options_.nvlink)) {
      raised.push_back(Candidate("link", device, "nvlink",
                                 fmt::format("NVLink errors growing ({}: {})", metric, p.Describe(options_.nvlink)),
                                 {{"metric", metric}, {"increase", p.total}, {"active_windows", p.active}}));
      continue;
    }
    // An XID 74 is an NVLink error the driver saw; with the link's error counters still above their usual rate
    // over the last day, the link is degrading, not a one-off.
    double day = s.counter.Sum(hour - 23, hour);
    if (!xid74 || day <= 0) continue;
    double usual = s.counter.UsualPerHour(hour - 23) * 24;
    if (day < AboveUsual(usual, s.counter.Dispersion(hour - 23), options_.nvlink.usual_sigmas)) continue;
    raised.push_back(Candidate(
        "link", device, "nvlink_xid",
        fmt::format("XID 74 (NVLink error) {} h ago and NVLink errors above their usual rate ({}: +{:g} in 24 h, "
                    "usual {:.2g})",
                    (t - xid->xid74_t) / kSecondsPerHour, metric, day, usual),
        {{"metric", metric}, {"increase", day}, {"usual_per_day", usual}, {"xid", 74}}));
  }
}

}  // namespace kiln::predict
