#include "predict/node_cooling.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kiln::predict {
namespace {

double Median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

}  // namespace

void NodeCooling::Roll(std::int64_t hour) {
  if (hour == hour_) return;
  if (hour == hour_ + 1) {
    previous_.swap(now_);
  } else {
    previous_.clear();
  }
  now_.clear();
  hour_ = hour;
}

int NodeCooling::HotTogether(std::int64_t hour) const {
  int hot = 0;
  for (const auto& [node, state] : nodes_) hot += state.hot_hour > hour - options_.together_hours ? 1 : 0;
  return hot;
}

std::optional<double> NodeCooling::Reference() const {
  // This hour's nodes once enough of them are in, else the last hour's (all of them in).
  if (static_cast<int>(now_.size()) >= std::max<int>(options_.min_nodes, static_cast<int>(previous_.size()) / 2)) {
    return Median(now_);
  }
  if (static_cast<int>(previous_.size()) >= options_.min_nodes) return Median(previous_);
  return std::nullopt;
}

std::optional<Alert> NodeCooling::Judge(const std::string& node, std::int64_t hour, double median, bool at_load) {
  Roll(hour);
  std::optional<double> fleet = Reference();
  if (at_load) now_.push_back(median);
  if (!fleet) return std::nullopt;
  double above = median - *fleet;
  State& state = nodes_.try_emplace(node, State{Cusum(options_.cusum), -1, -1, {}}).first->second;
  // A node hotter than the busy fleet counts as hot whatever its own load says (its load is judged against its own
  // busy level, which shared heat that just ended leaves high).
  if (above >= options_.min_above_fleet) state.hot_hour = hour;
  if (above < options_.min_above_fleet) state.hot_since = -1;  // idle or not, no longer hot: a new spell next
  if (!at_load) return std::nullopt;
  state.offsets.emplace_back(hour, static_cast<float>(above));
  while (state.offsets.front().first <= hour - options_.habit_hours) state.offsets.pop_front();
  if (above >= options_.min_above_fleet && state.hot_since < 0) state.hot_since = hour;
  Cusum& cusum = state.cusum;
  if (!cusum.Add(above) || above < cusum.level() + options_.cusum.slack) return std::nullopt;
  if (above < options_.min_above_fleet || median < options_.hot_celsius) return std::nullopt;
  // Hot for hours first: the nodes of a rack that lost its cooling cross the line one by one, as each is busy.
  if (hour - state.hot_since < options_.hot_hours) return std::nullopt;
  int together = HotTogether(hour);
  if (together > options_.max_hot_nodes) return std::nullopt;
  const double habit = Habit(state.offsets, hour);
  if (above < habit + options_.min_above_habit) return std::nullopt;
  return Candidate("node", "", "node_cooling",
                   fmt::format("node running hotter than the fleet: its median GPU at {:.1f} C, {:+.1f} C against the "
                               "fleet's median node (its usual {:+.1f} C; CUSUM {:.0f} C h), {} node(s) this hot in {} h",
                               median, above, cusum.level(), cusum.sum(), together, options_.together_hours),
                   {{"metric", "DCGM_FI_DEV_GPU_TEMP"},
                    {"node_median", median},
                    {"above_fleet", above},
                    {"usual", cusum.level()},
                    {"cusum", cusum.sum()},
                    {"habit", habit}});
}

double NodeCooling::Habit(const std::deque<std::pair<std::int64_t, float>>& offsets, std::int64_t hour) const {
  // The recent hours are what is judged: a node warming for days must not make its warmth its habit.
  std::vector<float> past;
  for (const auto& [when, offset] : offsets) {
    if (when <= hour - options_.recent_hours) past.push_back(offset);
  }
  if (past.size() < static_cast<std::size_t>(std::max(options_.min_habit_hours, 1))) return 1e9;
  const double rank = options_.habit_quantile * static_cast<double>(past.size() - 1);
  auto at = past.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(past.begin(), at, past.end());
  return *at;
}

void NodeCooling::Forget(const std::string& node) {
  auto found = nodes_.find(node);
  if (found != nodes_.end()) found->second.cusum.ForgetSum();
}

}  // namespace kiln::predict
