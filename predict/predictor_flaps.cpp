// The flaps rule: a link that goes down and comes back, again and again, days apart. The 2-of-3-windows
// persistence of ib_flap needs two flaps within 18 h and symbol errors beside them; a dying transceiver or cable
// may flap every day or two with next to no symbol errors in between. Flaps that many nodes' links share at the
// same time are their switch's (a leaf rebooting takes down one rail of every node), and a cable reseat is one
// flap (its link downed counter grows by one or two at once).

#include <fmt/format.h>

#include "predict/predictor.hpp"

namespace kiln::predict {

void Predictor::Flapped(SeriesState& state, const Sample& sample) {
  const std::int64_t hour = HourOf(sample.t);
  flapping_nodes_[hour].insert(keys_[sample.series].node);
  while (!flapping_nodes_.empty() &&
         flapping_nodes_.begin()->first < hour - options_.flap_horizon_hours - options_.flap_shared_hours - 1) {
    flapping_nodes_.erase(flapping_nodes_.begin());
  }
  if (!state.flaps.empty() && hour - state.flaps.back() < options_.flap_gap_hours) return;  // the same flap
  state.flaps.push_back(hour);
  while (state.flaps.front() < hour - options_.flap_horizon_hours) state.flaps.pop_front();
}

int Predictor::SharedFlaps(const std::string& node, std::int64_t hour) const {
  std::set<std::string> others;
  for (auto it = flapping_nodes_.lower_bound(hour - options_.flap_shared_hours);
       it != flapping_nodes_.end() && it->first <= hour + options_.flap_shared_hours; ++it) {
    for (const std::string& other : it->second) {
      if (other != node) others.insert(other);
    }
  }
  return static_cast<int>(others.size());
}

void Predictor::EvaluateFlaps(const std::string& node_name, const std::string& device, const Device& series,
                              std::int64_t t, std::vector<Alert>& raised) {
  const std::int64_t hour = HourOf(t);
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kIbLinkDowned)]) {
    const SeriesState& s = states_[id];
    int own = 0, shared = 0;
    for (std::int64_t flap : s.flaps) {
      if (flap <= hour - options_.flap_horizon_hours) continue;
      if (flap > hour - options_.flap_shared_hours - 1) break;  // the fleet may not have reported it yet
      if (SharedFlaps(node_name, flap) >= options_.flap_shared_nodes) {
        ++shared;
      } else {
        ++own;
      }
    }
    if (own < options_.flaps_needed) continue;
    raised.push_back(Candidate(
        "link", device, "flaps",
        fmt::format("the link went down and came back {} separate times in {} h ({}; {} more shared with other "
                    "nodes' links at the time, their switch's)",
                    own, options_.flap_horizon_hours, keys_[id].metric, shared),
        {{"metric", keys_[id].metric}, {"flaps", own}, {"shared_flaps", shared},
         {"horizon_hours", options_.flap_horizon_hours}}));
  }
}

}  // namespace kiln::predict
