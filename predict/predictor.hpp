#pragma once
// The early-warning predictor: fed samples in time order, it keeps a small state per series and evaluates each
// node at most once an hour, when one of its samples arrives. Everything an alert at t uses is a sample at or
// before t, so a replay cut short gives the same alerts up to its end (causal by construction).

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "predict/alert.hpp"
#include "predict/counter_state.hpp"
#include "predict/cusum.hpp"
#include "predict/performance_drift.hpp"
#include "predict/persistence.hpp"
#include "predict/replay.hpp"

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
  int xid_events = 2;                      // hardware XIDs within xid_hours
  int xid_hours = 48;
  CusumOptions temperature{2.0, 36.0, 1.0 / 48, 24};  // a GPU against its node's other GPUs, hourly means
  int min_gpus_for_temperature = 3;
  // A GPU's offset from its node's median scales with the load: offsets are compared only at load (the node's
  // median within load_band of its busy level, which falls by busy_decay a hour), and a cooling fault is a GPU
  // hotter than its peers by min_above_median at least and hot_celsius in absolute terms, never one less cold
  // than usual.
  double load_band = 8;
  double busy_decay = 0.1;
  double min_above_median = 3;
  double hot_celsius = 65;
  std::int64_t realert_seconds = 6 * 3600;  // a risk that holds is said again this often (episodes stay whole)
  std::int64_t silence_seconds = 6 * 3600;  // a node silent this long was down: its recent evidence is stale
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
  };
  struct Device {
    std::vector<std::uint32_t> by_signal[16];
  };
  struct NodeState {
    std::map<std::string, Device> devices;
    std::int64_t next_evaluation = 0;
    std::int64_t last_sample = -1;
    std::int64_t first_sample = -1;
    double busy_median = -1e9;  // the node's median temperature at load (decays slowly)
    std::map<std::string, std::int64_t> last_alert;  // rule + device -> t
  };

  void Update(const Sample& sample, std::int64_t node_since);
  void Evaluate(const std::string& node_name, NodeState& node, std::int64_t t, std::vector<Alert>& alerts);
  void EvaluateGpu(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateLink(const std::string& device, const Device& series, std::int64_t t, std::vector<Alert>& raised);
  void EvaluateTemperatures(NodeState& node, std::vector<Alert>& raised);
  void ForgetRecent(NodeState& node);
  const SeriesState* First(const Device& device, Signal signal) const;

  const std::vector<SeriesKey>& keys_;
  PredictorOptions options_;
  std::vector<SeriesState> states_;
  std::unordered_map<std::string, NodeState> nodes_;
  PerformanceDrift performance_;
};

// Runs the predictor over a whole (sorted) replay.
std::vector<Alert> Predict(const Replay& replay, const PredictorOptions& options = {});

}  // namespace kiln::predict
