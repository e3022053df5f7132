#pragma once
// The early-warning predictor: fed samples in time order, it keeps a small state per series and evaluates each
// node at most once an hour, when one of its samples arrives. Everything an alert at t uses is a sample at or
// before t, so a replay cut short gives the same alerts up to its end (causal by construction).

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "predict/alert.hpp"
#include "predict/counter_state.hpp"
#include "predict/cusum.hpp"
#include "predict/node_cooling.hpp"
#include "predict/patterns.hpp"
#include "predict/performance_drift.hpp"
#include "predict/persistence.hpp"
#include "predict/replay.hpp"
#include "predict/signal.hpp"

namespace kiln::predict {

struct PredictorOptions {
  // correctable ECC with a remap pending or new remapped rows; a window's largest hour does not count (a remap
  // comes with a burst of errors, and a reset repairs it)
  PersistenceRule ecc{6, 3, 2, 3, 4, 36, true};
  PersistenceRule ecc_alone{6, 3, 3, 10, 4};  // correctable ECC alone: every window, and more of them
  PersistenceRule uncorrectable{6, 3, 2, 1, 4};
  PersistenceRule pcie{6, 3, 2, 8, 4, 36, false, true};  // bursts: a window's largest hour, not a trickle's sum
  PersistenceRule ib_symbol{6, 3, 2, 30, 4, 36, true};  // not two reseats' bursts
  PersistenceRule ib_errors{6, 3, 2, 30, 4, 36, true};
  PersistenceRule ib_flap{6, 3, 2, 1, 4};  // link downed: in 2 windows, not one reseat ...
  PersistenceRule ib_flap_symbols{6, 3, 1, 3, 4, 36, true};  // ... and symbol errors beyond reseats' bursts
  PersistenceRule nvlink{6, 3, 2, 10, 4, 36, true};          // NVLink CRC, replay and recovery errors
  // The host's DRAM (node_exporter's EDAC counters): correctable errors that keep coming are a DIMM going bad (a
  // correctable error makes an uncorrectable one, a panic, many times likelier within the month: Schroeder,
  // Pinheiro and Weber, "DRAM errors in the wild", 2009); a scrubber's one burst is not.
  PersistenceRule host_memory{6, 3, 2, 3, 4, 36, true};
  // Repeated bursts, steep growth, a clean series turning active (patterns.hpp), by the counts a burst needs
  PatternRule ecc_patterns{10};
  PatternRule pcie_patterns{20};
  PatternRule link_patterns{20};  // InfiniBand symbol and port errors, NVLink errors
  PatternRule host_memory_patterns{10};
  int remaps_needed = 2;          // newly remapped rows within remap_hours (or since a remap went pending)
  int remap_hours = 72;
  int nvlink_xid_hours = 72;      // an XID 74 this recent, with NVLink errors growing in the last day
  int xid_down_seconds = 2 * 3600;  // a node silent this long after XIDs was reset: its XIDs are the past
  int xid_events = 2;                      // hardware XIDs within xid_hours
  int xid_hours = 48;
  CusumOptions temperature{2.0, 36.0, 1.0 / 48, 24};  // a GPU against its node's other GPUs, hourly means
  int min_gpus_for_temperature = 3;
  // Each GPU is judged against its busy peers only while this share of the node's GPUs is busy: the median of a
  // few GPUs that a small job heats is no reference for the offsets learned against the whole node.
  double min_busy_share = 0.75;
  // A GPU's offset from its peers varies with the jobs (its share of the load, throttling, the room), and grows with
  // how hot its peers run (a GPU that heats faster under load is further ahead the harder the job): its habit is the
  // line through its (peers' temperature, offset) hours over its last offset_habit_hours judged (the last
  // offset_recent_hours left out, offset_min_habit_hours needed before: no alert until then), and it alerts only
  // beyond that line by the offset_habit_quantile of its hours' distances from it plus min_above_habit. When several
  // GPUs of a node are beyond their habits in the same hour, it is their work (a job that loads some of them
  // harder), not a fault.
  bool offset_follows_peers = true;  // false: the habit is a level (the line's slope 0)
  double offset_habit_quantile = 0.9;
  int offset_habit_hours = 336;
  int offset_recent_hours = 24;
  int offset_min_habit_hours = 48;
  double min_above_habit = 3;
  // A GPU's offset from its node's median scales with the load: offsets are compared only at load (the node's
  // median within load_band of its busy level, which falls by busy_decay a hour), and a cooling fault is a GPU
  // hotter than its peers by min_above_median at least and hot_celsius in absolute terms, never one less cold
  // than usual.
  double load_band = 8;
  double busy_decay = 0.1;
  double min_above_median = 3;
  double hot_celsius = 65;
  // A chronic series (CounterState::HabitBefore: increments on chronic_share of its days at least) has bad days and
  // wanders for days: its evidence counts only once each of its last chronic_windows 6-h windows brought
  // chronic_factor times the busiest 6 h of its past two weeks. A bad day touches five such windows at most; a fault
  // keeps growing.
  int chronic_windows = 6;  // 0: no chronic series
  // Chronic: increments on half of its past days, or on this share of them and 4 days at least. A port whose errors
  // come on one day in three, and on some of those days fifteen times more, has bad days as much as one that errs
  // every day.
  double chronic_share = 0.25;
  double chronic_factor = 2;
  // The habit is the past before the day before those windows: a fault's slow start (a linear ramp of errors)
  // must not become the habit that it has to outgrow (at most CounterState::kHabitGapHours).
  int chronic_gap_hours = 24;
  // A link that goes down and comes back again and again, days apart, with or without symbol errors: flaps_needed
  // separate flaps (flap_gap_hours apart) within flap_horizon_hours. A flap that flap_shared_nodes other nodes'
  // links shared within flap_shared_hours of it was their switch's (a leaf rebooting takes down a rail of every
  // node), not the link's: a flap is judged once flap_shared_hours + 1 have passed, when the fleet has reported.
  int flaps_needed = 3;
  int flap_gap_hours = 3;
  int flap_horizon_hours = 168;
  int flap_shared_hours = 2;
  int flap_shared_nodes = 2;
  NodeCoolingOptions node_cooling;  // a whole node hotter than the fleet (node_cooling.hpp)
  // A GPU failing now (a terminal XID, row remapping that just failed) is the failure, not a sign ahead of it: for
  // terminal_hold_hours after it (as long as the XID rule remembers it), or until the node is back from a repair, no
  // alert opens an episode on that node (one raised within episode_hours before goes on). Alerts there would come
  // after the failure they foretell.
  int terminal_hold_hours = 48;
  int episode_hours = 24;
  std::int64_t realert_seconds = 6 * 3600;  // a risk that holds is said again this often (episodes stay whole)
  std::int64_t silence_seconds = 6 * 3600;  // a node silent this long was down: its recent evidence is stale
  // Silences (silence_seconds, xid_down_seconds, and an hour for increments gathered over one) are at least this
  // many of the node's usual gaps between samples (its cadence: a moving mean of its gaps, each counted up to
  // cadence_cap_seconds).
  double silence_cadences = 2.5;
  std::int64_t cadence_cap_seconds = 2 * 3600;
  double cadence_rate = 0.1;
  PerformanceDriftOptions performance;      // Kiln's sweep results (predict/performance_drift.hpp)
};

class Predictor {
 public:
  Predictor(const std::vector<SeriesKey>& series, PredictorOptions options = {});
  // Takes the next sample (time order); appends the alerts it raises.
  void Feed(const Sample& sample, std::vector<Alert>& alerts);
  // The end of the replay: judges the last sweep of Kiln's measurements (all of its samples are in).
  void Finish(std::vector<Alert>& alerts);

 private:
  struct SeriesState {
    CounterState counter;
    double last = 0;
    std::int64_t last_t = -1;
    std::deque<std::int64_t> xid_events;  // times of hardware XIDs, the last xid_hours
    double hour_sum = 0;                  // temperature since the node's last evaluation
    int hour_count = 0;
    Cusum cusum;
    std::deque<std::pair<float, float>> offsets;  // temperature: (its busy peers' median, its offset), hours judged
    CounterPatterns patterns;
    std::int64_t resets_seen = 0;                        // the counter's resets the patterns were told of
    std::int64_t restarts_seen = 0;                      // ... and its restarts from a ceiling
    std::deque<std::pair<std::int64_t, double>> remaps;  // newly remapped rows (remap counters), the last week
    std::int64_t pending_since = -1;                     // remap pending gauge: when it went to 1
    std::int64_t failure_since = -1;  // remap failure gauge: when it went to 1 (kLongAgo: before it was seen)
    std::int64_t xid74_t = -1;                           // XID gauge: the last change to 74 (NVLink)
    std::deque<std::int64_t> flaps;                      // link downed: the hour of each separate flap, a week
  };
  struct Device {
    std::vector<std::uint32_t> by_signal[kSignalCount];
  };
  struct NodeState {
    std::map<std::string, Device> devices;
    std::int64_t next_evaluation = 0;
    std::int64_t last_sample = -1;
    std::int64_t first_sample = -1;
    std::int64_t resumed_at = -1;  // the node's first sample after a silence (an hour, or its cadence's)
    double cadence = 0;            // its usual gap between samples, seconds (moving mean)
    double busy_median = -1e9;  // the node's median temperature at load (decays slowly)
    double busy_gpus = -1e9;    // its busy GPUs' temperature: the upper quartile at load (decays slowly)
    std::map<std::string, std::int64_t> last_alert;  // rule + device -> t
    std::int64_t last_raised = -1;  // the node's last alert, any rule
    std::int64_t terminal_at = -1;  // a GPU's last terminal event (since the node was last repaired)
  };

  // Returns whether the sample shows a GPU failing now (a terminal XID, a row remap failure).
  bool Update(const Sample& sample, std::int64_t node_since, bool trusted);
  void Evaluate(const std::string& node_name, NodeState& node, std::int64_t t, std::vector<Alert>& alerts);
  void EvaluateGpu(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateLink(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluatePatterns(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateRemaps(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateNvlink(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateHostMemory(const std::string& device, const Device& series, std::int64_t t,
                          std::vector<Alert>& raised);
  void UpdatePatterns(SeriesState& state, Signal signal, const Sample& sample, double increment, bool trusted);
  const PatternRule* PatternsOf(Signal signal) const;
  void RemapSeen(const Sample& sample);
  // A link went down (link_downed grew): a flap of that port, and of its node at that hour for the fleet.
  void Flapped(SeriesState& state, const Sample& sample);
  void EvaluateFlaps(const std::string& node_name, const std::string& device, const Device& series, std::int64_t t,
                     std::vector<Alert>& raised);
  // Other nodes than `node` whose links went down within the rule's flap_shared_hours of `hour`.
  int SharedFlaps(const std::string& node, std::int64_t hour) const;
  void EvaluateTemperatures(const std::string& node_name, NodeState& node, std::int64_t t, std::vector<Alert>& raised);
  // The per-GPU cooling rule on this hour's means (`gpus` in the same order).
  void JudgeGpusAtLoad(const NodeState& node, const std::vector<std::pair<const std::string*, SeriesState*>>& gpus,
                       const std::vector<double>& means, std::vector<Alert>& raised);
  // How far `above` at peers' median `reference` is beyond the GPU's habit (its offsets before its recent hours;
  // never beyond while too few are known: a GPU's first days of jobs are no fault's evidence yet).
  double BeyondHabit(const std::deque<std::pair<float, float>>& offsets, double reference, double above) const;
  void ForgetRecent(NodeState& node, std::int64_t t);
  void ForgetXids(NodeState& node);
  const SeriesState* First(const Device& device, Signal signal) const;
  // Whether a counter's evidence counts: always for a series with no chronic habit, else when it outgrew its
  // busiest 6 h (infinite while its habit is unknown).
  bool Outgrown(const CounterState& counter, std::int64_t hour) const;
  // A counter rule of 2-of-3 persistence: each series of `signal` whose last windows hold `rule` (and, when
  // `chronic`, that outgrew its habit) raises `name`, its reason "WORDS (METRIC: windows)", or "WORDS (windows)"
  // without `with_metric`.
  struct PersistentRule {
    Signal signal;
    const PersistenceRule* rule;
    const char* risk;
    const char* name;
    const char* words;
    bool chronic;
    bool with_metric;
  };
  void RaisePersistent(const std::string& device, const Device& series, std::int64_t hour, const PersistentRule& r,
                       std::vector<Alert>& raised) const;

  const std::vector<SeriesKey>& keys_;
  PredictorOptions options_;
  std::vector<SeriesState> states_;
  std::unordered_map<std::string, NodeState> nodes_;
  std::map<std::int64_t, std::set<std::string>> flapping_nodes_;  // hour -> nodes whose links went down then
  PerformanceDrift performance_;
  NodeCooling node_cooling_;
};

// Runs the predictor over a whole (sorted) replay.
std::vector<Alert> Predict(const Replay& replay, const PredictorOptions& options = {});

}  // namespace kiln::predict
