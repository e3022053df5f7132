#pragma once
// A node-wide cooling fault (a fan, a blocked inlet, a coolant loop): every GPU of the node drifts up together, so
// a GPU against its own node's median sees nothing. The node's median GPU temperature at load is compared with the
// fleet's (the median node of the same hour), against the node's own usual offset (its place in the room), by CUSUM.
// Heat that many nodes share at once (the room, a rack's CRAH or CDU) is the facility's, not the node's: it does not
// alert, and neither does a node that is hotter than the fleet but still far from slowdown temperatures.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "predict/alert.hpp"
#include "predict/cusum.hpp"

namespace kiln::predict {

struct NodeCoolingOptions {
  CusumOptions cusum{2.0, 36.0, 1.0 / 48, 24};
  double min_above_fleet = 6;  // C above the fleet's median node, at least
  double hot_celsius = 78;     // the node's median GPU at least this hot (slowdown is near 87-90 C)
  int min_nodes = 5;           // nodes at load in an hour, for the fleet's median to mean anything
  int max_hot_nodes = 2;       // more nodes this far above the fleet at once (within together_hours, as judged at
  int together_hours = 12;     // load: not every node is busy every hour): shared heat, not a node's fault
  int hot_hours = 24;          // hot at every hour judged for this long (a rack's or the room's heat is mostly shorter)
  // Nodes run different jobs: one whose jobs often load it harder than the fleet's is often hotter. It alerts only
  // beyond habit_quantile of its offsets at load over its last habit_hours (the last recent_hours left out,
  // min_habit_hours judged needed) by min_above_habit.
  double habit_quantile = 0.9;
  int habit_hours = 336;
  int recent_hours = 48;
  int min_habit_hours = 48;
  double min_above_habit = 3;
};

class NodeCooling {
 public:
  explicit NodeCooling(NodeCoolingOptions options = {}) : options_(options) {}
  // The node's median GPU temperature over its last hour, judged at `hour` (causal: the fleet's reference is made of
  // the medians at load already judged). Returns an alert without t and node when the node runs hot at load.
  std::optional<Alert> Judge(const std::string& node, std::int64_t hour, double median, bool at_load);
  // The node was down (repaired): its excess so far says nothing.
  void Forget(const std::string& node);

 private:
  struct State {
    Cusum cusum;
    std::int64_t hot_hour = -1;   // the last hour judged min_above_fleet above the fleet
    std::int64_t hot_since = -1;  // the first of the judged hours in a row that were
    std::deque<std::pair<std::int64_t, float>> offsets;  // (hour, its offset from the fleet) at load, judged
  };
  // The habit_quantile of a node's offsets at load in the habit_hours before its recent hours, judged at `hour`
  // (very high while too few are known).
  double Habit(const std::deque<std::pair<std::int64_t, float>>& offsets, std::int64_t hour) const;
  void Roll(std::int64_t hour);
  int HotTogether(std::int64_t hour) const;
  std::optional<double> Reference() const;

  NodeCoolingOptions options_;
  std::unordered_map<std::string, State> nodes_;
  std::int64_t hour_ = -1;
  std::vector<double> now_, previous_;  // medians of the nodes at load, judged this hour and the one before
};

}  // namespace kiln::predict
