#include "predict/predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

namespace kiln::predict {
namespace {

using nlohmann::json;

constexpr int kRowRemapRecordedXid = 63;
constexpr int kNvlinkXid = 74;
constexpr std::int64_t kLongAgo = -(std::int64_t{1} << 40);  // a gauge already set when first seen

std::int64_t LastHours(const PersistenceRule& rule) {
  return static_cast<std::int64_t>(rule.windows) * rule.window_hours;
}

}  // namespace

Predictor::Predictor(const std::vector<SeriesKey>& series, PredictorOptions options)
    : keys_(series),
      options_(options),
      states_(series.size()),
      performance_(series, options.performance),
      node_cooling_(options.node_cooling) {
  for (SeriesState& state : states_) state.cusum = Cusum(options_.temperature);
  for (std::uint32_t i = 0; i < series.size(); ++i) {
    NodeState& node = nodes_[series[i].node];
    node.devices[series[i].device].by_signal[static_cast<int>(series[i].signal)].push_back(i);
  }
  // By metric name, not by first appearance: the order of a replay's lines must not pick which of two series
  // (VOL and AGG ECC counters) speaks for a GPU.
  for (auto& [name, node] : nodes_) {
    for (auto& [device, signals] : node.devices) {
      for (auto& ids : signals.by_signal) {
        std::sort(ids.begin(), ids.end(), [&](std::uint32_t a, std::uint32_t b) {
          return std::tie(series[a].metric, a) < std::tie(series[b].metric, b);
        });
      }
    }
  }
}

void Predictor::Feed(const Sample& sample, std::vector<Alert>& alerts) {
  performance_.JudgeBefore(sample.t, alerts);
  if (IsPerformance(keys_[sample.series].signal)) {  // a sweep's result: neither a node's heartbeat nor a counter
    performance_.Add(sample);
    return;
  }
  const std::string& node_name = keys_[sample.series].node;
  NodeState& node = nodes_[node_name];
  std::int64_t silence = node.last_sample >= 0 ? sample.t - node.last_sample : 0;
  node.last_sample = sample.t;
  if (node.first_sample < 0) node.first_sample = sample.t;
  // A silence is judged against the node's own cadence: a node scraped every hour (or exported hourly) is not
  // silent between its scrapes, and its increments are no less timely than its cadence allows.
  const double usual_gap = options_.silence_cadences * node.cadence;
  auto silent_for = [&](std::int64_t seconds) {
    return static_cast<double>(silence) >= std::max(static_cast<double>(seconds), usual_gap);
  };
  if (silence > 0) {
    double gap = static_cast<double>(std::min<std::int64_t>(silence, options_.cadence_cap_seconds));
    node.cadence = node.cadence <= 0 ? gap : node.cadence + (gap - node.cadence) * options_.cadence_rate;
  }
  if (silent_for(options_.silence_seconds)) {
    ForgetRecent(node, sample.t);
    node_cooling_.Forget(node_name);
  }
  // A node that went silent after XIDs was most likely reset (a GPU reset takes the node off for an hour or two):
  // the XID gauge's old codes are its past, not evidence at its return.
  if (silent_for(options_.xid_down_seconds)) ForgetXids(node);
  if (silent_for(kSecondsPerHour)) node.resumed_at = sample.t;
  // The first scrape after a silence carries what the counters gathered over it: when the errors came is unknown.
  bool trusted = node.resumed_at < 0 || sample.t - node.resumed_at >= 15 * 60;
  if (sample.t >= node.next_evaluation) {
    // Before this sample: the node's other GPUs have not reported at t yet, and hourly means must cover the same
    // moments for all of them. Everything used is older than t.
    node.next_evaluation = (HourOf(sample.t) + 1) * kSecondsPerHour;
    Evaluate(node_name, node, sample.t, alerts);
  }
  if (Update(sample, node.first_sample, trusted)) node.terminal_at = sample.t;
}

void Predictor::Finish(std::vector<Alert>& alerts) { performance_.Finish(alerts); }

bool Predictor::Update(const Sample& sample, std::int64_t node_since, bool trusted) {
  SeriesState& state = states_[sample.series];
  Signal signal = keys_[sample.series].signal;
  bool terminal = false;
  if (IsCounter(signal)) {
    state.patterns.Observe(HourOf(node_since));
    const double increment = state.counter.Update(sample.t, sample.value, node_since);
    UpdatePatterns(state, signal, sample, increment, trusted);
    if (signal == Signal::kIbLinkDowned && increment > 0 && trusted) Flapped(state, sample);
  }
  if (signal == Signal::kRemapPending) {
    if (sample.value <= 0) state.pending_since = -1;
    if (sample.value > 0 && state.pending_since < 0) {
      state.pending_since = sample.t;
      RemapSeen(sample);
    }
  }
  if (signal == Signal::kRemapFailure) {
    if (sample.value <= 0) state.failure_since = -1;
    if (sample.value > 0 && state.failure_since == -1) {
      // Seen turning to 1: the fault is now. Already 1 at the series' first sample: since some time unknown.
      terminal = state.last_t >= 0;
      state.failure_since = terminal ? sample.t : kLongAgo;
    }
  }
  if (signal == Signal::kXid) {
    int xid = static_cast<int>(sample.value);
    bool changed = state.last_t < 0 || sample.value != state.last;
    terminal = changed && IsTerminalXid(xid);
    if (changed && xid == kNvlinkXid) state.xid74_t = sample.t;
    // XID 63 records a row remap, the ECC rules' evidence (remap counters): not a fault of its own here, so one
    // remap and the fault it was part of (or a contained XID 94) are not "2 hardware XIDs".
    if (changed && IsHardwareXid(xid) && xid != kRowRemapRecordedXid) state.xid_events.push_back(sample.t);
    while (!state.xid_events.empty() && state.xid_events.front() < sample.t - options_.xid_hours * kSecondsPerHour) {
      state.xid_events.pop_front();
    }
  }
  if (signal == Signal::kGpuTemperature) {
    state.hour_sum += sample.value;
    ++state.hour_count;
  }
  state.last = sample.value;
  state.last_t = sample.t;
  return terminal;
}

void Predictor::ForgetXids(NodeState& node) {
  for (auto& [device, series] : node.devices) {
    for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kXid)]) {
      states_[id].xid_events.clear();
      states_[id].xid74_t = -1;
    }
  }
}

void Predictor::ForgetRecent(NodeState& node, std::int64_t t) {
  // A node back from hours of silence was most likely down, and repaired: what came before says little now, and
  // alerts from it would open an episode after the failure they foretold. A fault that persists shows again.
  for (auto& [device, series] : node.devices) {
    for (const auto& ids : series.by_signal) {
      for (std::uint32_t id : ids) {
        SeriesState& s = states_[id];
        s.counter.ForgetRecent();
        s.cusum.ForgetSum();
        s.hour_sum = 0;
        s.hour_count = 0;
        s.xid_events.clear();
        s.patterns.Forget(HourOf(t));
        s.remaps.clear();
        s.xid74_t = -1;
        s.flaps.clear();
        if (s.failure_since >= 0) s.failure_since = kLongAgo;  // still 1 after the repair: the old fault
      }
    }
  }
  node.terminal_at = -1;
}

const Predictor::SeriesState* Predictor::First(const Device& device, Signal signal) const {
  const auto& ids = device.by_signal[static_cast<int>(signal)];
  return ids.empty() ? nullptr : &states_[ids.front()];
}

bool Predictor::Outgrown(const CounterState& counter, std::int64_t hour) const {
  const std::int64_t width = CounterState::kSpreadBlockHours;
  const std::int64_t gap = std::min<std::int64_t>(options_.chronic_gap_hours, CounterState::kHabitGapHours);
  const std::int64_t judged_from = hour - options_.chronic_windows * width + 1 - gap;
  CounterState::Habit habit = counter.HabitBefore(judged_from, options_.chronic_share);
  if (!habit.chronic) return true;
  const double bar = options_.chronic_factor * habit.busiest_block;
  for (int k = 0; k < options_.chronic_windows; ++k) {
    std::int64_t last = hour - k * width;
    if (!(counter.Sum(last - width + 1, last) >= bar)) return false;  // an unknown habit (infinite) is never outgrown
  }
  return true;
}

void Predictor::Evaluate(const std::string& node_name, NodeState& node, std::int64_t t, std::vector<Alert>& alerts) {
  std::vector<Alert> raised;
  for (const auto& [device, series] : node.devices) {
    EvaluateGpu(device, series, t, raised);
    EvaluateLink(device, series, t, raised);
    EvaluatePatterns(device, series, t, raised);
    EvaluateRemaps(device, series, t, raised);
    EvaluateNvlink(device, series, t, raised);
    EvaluateHostMemory(device, series, t, raised);
    EvaluateFlaps(node_name, device, series, t, raised);
  }
  EvaluateTemperatures(node_name, node, t, raised);
  const bool draining = node.terminal_at >= 0 && t - node.terminal_at < options_.terminal_hold_hours * kSecondsPerHour;
  const bool episode_open = node.last_raised >= 0 && t - node.last_raised <= options_.episode_hours * kSecondsPerHour;
  if (draining && !episode_open) return;
  for (Alert& alert : raised) {
    std::string key = alert.rule + '|' + alert.device;
    auto last = node.last_alert.find(key);
    if (last != node.last_alert.end() && t - last->second < options_.realert_seconds) continue;
    node.last_alert[key] = t;
    node.last_raised = t;
    alert.t = t;
    alert.node = node_name;
    alerts.push_back(std::move(alert));
  }
}

void Predictor::EvaluateGpu(const std::string& device, const Device& series, std::int64_t t,
                            std::vector<Alert>& raised) {
  std::int64_t hour = HourOf(t);
  const SeriesState* failure = First(series, Signal::kRemapFailure);
  if (failure && failure->last > 0 && failure->failure_since >= t - 24 * kSecondsPerHour) {
    raised.push_back(Candidate("gpu", device, "remap", "row remapping failed: no spare rows left for the next fault",
                               {{"metric", "DCGM_FI_DEV_ROW_REMAP_FAILURE"}, {"value", failure->last}}));
  }
  for (Signal signal : {Signal::kEccUncorrectable, Signal::kRemappedRowsUncorr}) {
    RaisePersistent(device, series, hour,
                    {signal, &options_.uncorrectable, "gpu", "ecc_uncorrectable",
                     "uncorrectable memory errors again and again", false, true},
                    raised);
  }
  std::int64_t recent = hour - LastHours(options_.ecc) + 1;
  auto grew = [&](Signal signal) {
    const SeriesState* s = First(series, signal);
    return s && s->counter.Sum(recent, hour) > 0;
  };
  const SeriesState* pending = First(series, Signal::kRemapPending);
  bool remap_pending = pending && pending->last > 0 && pending->last_t >= t - LastHours(options_.ecc) * kSecondsPerHour;
  bool corroborated = remap_pending || grew(Signal::kEccUncorrectable) || grew(Signal::kRemappedRows);
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kEccCorrectable)]) {
    Persistence p = Measure(states_[id].counter, hour, options_.ecc);
    bool alone = Measure(states_[id].counter, hour, options_.ecc_alone).Holds(options_.ecc_alone);
    if (!p.Holds(options_.ecc) || !(corroborated || alone) || !Outgrown(states_[id].counter, hour)) continue;
    raised.push_back(Candidate("gpu", device, "ecc",
                               fmt::format("correctable ECC errors growing ({}){}", p.Describe(options_.ecc),
                                           remap_pending  ? ", a row remap pending"
                                           : corroborated ? ", with new remapped or uncorrectable rows"
                                                          : ""),
                               p.Evidence(keys_[id].metric)));
  }
  RaisePersistent(device, series, hour,
                  {Signal::kPcieReplay, &options_.pcie, "gpu", "pcie",  // kiln:not-a-probe-name (the alert rule)
                   "PCIe replays in bursts that keep coming", true, false},
                  raised);
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kXid)]) {
    const SeriesState& s = states_[id];
    if (static_cast<int>(s.xid_events.size()) < options_.xid_events) continue;
    raised.push_back(Candidate("gpu", device, "xid",
                               fmt::format("{} hardware XIDs in {} h, the last XID {}", s.xid_events.size(),
                                           options_.xid_hours, static_cast<int>(s.last)),
                               {{"metric", keys_[id].metric}, {"events", s.xid_events.size()}, {"last_xid", s.last}}));
  }
}

void Predictor::EvaluateLink(const std::string& device, const Device& series, std::int64_t t,
                             std::vector<Alert>& raised) {
  std::int64_t hour = HourOf(t);
  const PersistentRule rules[] = {
      {Signal::kIbSymbolErrors, &options_.ib_symbol, "link", "ib_symbol", "symbol errors growing", true, true},
      {Signal::kIbLinkDowned, &options_.ib_flap, "link", "ib_flap",
       "the link went down and came back, more than once, with symbol errors", true, true},
      {Signal::kIbPortErrors, &options_.ib_errors, "link", "ib_errors", "port errors growing", true, true},
  };
  // Two reseats hours apart take a link down twice too: a flap counts with symbol errors beyond their bursts.
  bool symbols = false;
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kIbSymbolErrors)]) {
    symbols = symbols || Measure(states_[id].counter, hour, options_.ib_flap_symbols).Holds(options_.ib_flap_symbols);
  }
  for (const PersistentRule& link : rules) {
    if (link.signal == Signal::kIbLinkDowned && !symbols) continue;
    RaisePersistent(device, series, hour, link, raised);
  }
}

void Predictor::RaisePersistent(const std::string& device, const Device& series, std::int64_t hour,
                                const PersistentRule& r, std::vector<Alert>& raised) const {
  for (std::uint32_t id : series.by_signal[static_cast<int>(r.signal)]) {
    Persistence p = Measure(states_[id].counter, hour, *r.rule);
    if (!p.Holds(*r.rule) || (r.chronic && !Outgrown(states_[id].counter, hour))) continue;
    const std::string& metric = keys_[id].metric;
    raised.push_back(Candidate(r.risk, device, r.name,
                               r.with_metric ? fmt::format("{} ({}: {})", r.words, metric, p.Describe(*r.rule))
                                             : fmt::format("{} ({})", r.words, p.Describe(*r.rule)),
                               p.Evidence(metric)));
  }
}

void Predictor::EvaluateTemperatures(const std::string& node_name, NodeState& node, std::int64_t t,
                                     std::vector<Alert>& raised) {
  // Each GPU's hourly mean against the median of its node's GPUs: the jobs and the room heat all of them alike,
  // a failing fan or heat sink one.
  std::vector<std::pair<const std::string*, SeriesState*>> gpus;
  std::vector<double> means;
  for (auto& [device, series] : node.devices) {
    for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kGpuTemperature)]) {
      SeriesState& s = states_[id];
      if (s.hour_count == 0) continue;
      gpus.emplace_back(&device, &s);
      means.push_back(s.hour_sum / s.hour_count);
    }
  }
  if (static_cast<int>(gpus.size()) >= options_.min_gpus_for_temperature) {
    std::vector<double> sorted = means;
    std::sort(sorted.begin(), sorted.end());
    double median = sorted[sorted.size() / 2];
    node.busy_median = std::max(median, node.busy_median - options_.busy_decay);
    // Idle (between jobs, drained): every GPU sits near the room's temperature and the offsets shrink; such an
    // hour neither teaches the level nor counts.
    bool at_load = median >= node.busy_median - options_.load_band;
    if (std::optional<Alert> hot = node_cooling_.Judge(node_name, HourOf(t), median, at_load)) raised.push_back(*hot);
    // The GPUs' busy level: the upper quartile, so that a job on a few of them still has one.
    node.busy_gpus = std::max(sorted[sorted.size() * 3 / 4], node.busy_gpus - options_.busy_decay);
    JudgeGpusAtLoad(node, gpus, means, raised);
  }
  for (auto& [device, s] : gpus) s->hour_sum = 0, s->hour_count = 0;
}

void Predictor::JudgeGpusAtLoad(const NodeState& node,
                                const std::vector<std::pair<const std::string*, SeriesState*>>& gpus,
                                const std::vector<double>& means, std::vector<Alert>& raised) {
  // Each busy GPU against the median of the busy ones: a job on some of a node's GPUs leaves the others idle, and
  // an idle GPU beside busy ones is neither cool nor a lesson (its usual offset would become tens of degrees below
  // its peers, and its next job an alarm). Nor is a busy GPU beside idle ones hot.
  std::vector<double> busy;
  for (double mean : means) {
    if (mean >= node.busy_gpus - options_.load_band) busy.push_back(mean);
  }
  if (static_cast<int>(busy.size()) < options_.min_gpus_for_temperature) return;
  if (static_cast<double>(busy.size()) < options_.min_busy_share * static_cast<double>(means.size())) return;
  std::nth_element(busy.begin(), busy.begin() + static_cast<std::ptrdiff_t>(busy.size() / 2), busy.end());
  const double reference = busy[busy.size() / 2];
  // In alarm, and hot now: the alarm outlives its cause by up to a day, the alert must not. Hotter than its peers
  // and hot: a GPU still cooler than its neighbours is not overheating.
  std::vector<std::size_t> hot;
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (means[i] < node.busy_gpus - options_.load_band) continue;
    Cusum& cusum = gpus[i].second->cusum;
    const double above = means[i] - reference;
    if (cusum.Add(above) && above >= cusum.level() + options_.temperature.slack &&
        above >= options_.min_above_median && means[i] >= options_.hot_celsius) {
      hot.push_back(i);
    }
  }
  // Beyond its habit (the hours before this one), and alone there: the habits are fitted only when a GPU is hot.
  std::vector<std::size_t> beyond;
  for (std::size_t i = 0; !hot.empty() && i < gpus.size(); ++i) {
    const double above = means[i] - reference;
    if (means[i] < node.busy_gpus - options_.load_band || above < options_.min_above_median) continue;
    if (BeyondHabit(gpus[i].second->offsets, reference, above) >= options_.min_above_habit) beyond.push_back(i);
  }
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (means[i] < node.busy_gpus - options_.load_band) continue;
    auto& offsets = gpus[i].second->offsets;
    offsets.emplace_back(static_cast<float>(reference), static_cast<float>(means[i] - reference));
    if (offsets.size() > static_cast<std::size_t>(options_.offset_habit_hours)) offsets.pop_front();
  }
  if (beyond.size() != 1 || std::find(hot.begin(), hot.end(), beyond.front()) == hot.end()) return;
  const std::size_t i = beyond.front();
  const Cusum& cusum = gpus[i].second->cusum;
  const double above = means[i] - reference;
  raised.push_back(Candidate(
      "gpu", *gpus[i].first, "cooling",
      fmt::format("running hotter than its node's other busy GPUs: {:+.1f} C against its usual {:+.1f} C (CUSUM "
                  "{:.0f} C h), the only GPU of the node beyond its habit",
                  above, cusum.level(), cusum.sum()),
      {{"metric", "DCGM_FI_DEV_GPU_TEMP"},
       {"above_busy_median", above},
       {"usual", cusum.level()},
       {"cusum", cusum.sum()}}));
}

double Predictor::BeyondHabit(const std::deque<std::pair<float, float>>& offsets, double reference,
                              double above) const {
  // The recent hours are what is judged: a drifting GPU's last day must not become its habit.
  const std::size_t recent = static_cast<std::size_t>(options_.offset_recent_hours);
  if (offsets.size() < recent + static_cast<std::size_t>(options_.offset_min_habit_hours)) return -1e9;
  const std::size_t n = offsets.size() - recent;
  double mean_x = 0, mean_y = 0;
  for (std::size_t k = 0; k < n; ++k) mean_x += offsets[k].first, mean_y += offsets[k].second;
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < n; ++k) {
    sxx += (offsets[k].first - mean_x) * (offsets[k].first - mean_x);
    sxy += (offsets[k].first - mean_x) * (offsets[k].second - mean_y);
  }
  // Peers that always ran alike (less than a degree's spread) teach no slope; and an offset never grows faster
  // than the peers' temperature itself.
  const bool fitted = options_.offset_follows_peers && sxx >= static_cast<double>(n);
  const double slope = fitted ? std::clamp(sxy / sxx, -1.0, 1.0) : 0.0;
  std::vector<double> distances(n);
  for (std::size_t k = 0; k < n; ++k) distances[k] = offsets[k].second - (mean_y + slope * (offsets[k].first - mean_x));
  const double rank = options_.offset_habit_quantile * static_cast<double>(n - 1);
  auto at = distances.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(distances.begin(), at, distances.end());
  return above - (mean_y + slope * (reference - mean_x)) - *at;
}

std::vector<Alert> Predict(const Replay& replay, const PredictorOptions& options) {
  Predictor predictor(replay.series(), options);
  std::vector<Alert> alerts;
  for (const Sample& sample : replay.samples()) predictor.Feed(sample, alerts);
  predictor.Finish(alerts);
  return alerts;
}

}  // namespace kiln::predict
