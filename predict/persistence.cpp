#include "predict/persistence.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kiln::predict {

Persistence Measure(const CounterState& counter, std::int64_t hour, const PersistenceRule& rule) {
  Persistence result;
  if (hour - counter.first_hour() < rule.warmup_hours) return result;
  std::int64_t first = hour - static_cast<std::int64_t>(rule.windows) * rule.window_hours + 1;
  result.usual_per_window = counter.UsualPerHour(first) * rule.window_hours;
  result.dispersion = counter.Dispersion(first);
  double needed =
      std::max(rule.min_count, AboveUsual(result.usual_per_window, result.dispersion, rule.usual_sigmas));
  for (int k = 0; k < rule.windows; ++k) {
    std::int64_t last = hour - static_cast<std::int64_t>(k) * rule.window_hours;
    double sum = counter.Sum(last - rule.window_hours + 1, last);
    result.total += sum;
    if (rule.drop_largest_hour) sum -= counter.Largest(last - rule.window_hours + 1, last);
    if (rule.largest_hour_only) sum = counter.Largest(last - rule.window_hours + 1, last);
    if (sum > 0 && sum >= needed) ++result.active;
  }
  result.span_hours = counter.Span(first, hour);
  return result;
}

std::string Persistence::Describe(const PersistenceRule& rule) const {
  std::string spread = dispersion > 1 ? fmt::format(", its spread {:.2g} times a Poisson count's", dispersion) : "";
  return fmt::format("+{:g} in the last {} h, {} of {} {}-h windows active (usual {:.2g} a window{})", total,
                     rule.windows * rule.window_hours, active, rule.windows, rule.window_hours, usual_per_window,
                     spread);
}

nlohmann::json Persistence::Evidence(const std::string& metric) const {
  return {{"metric", metric},
          {"increase", total},
          {"active_windows", active},
          {"span_hours", span_hours},
          {"usual_per_window", usual_per_window}};
}

}  // namespace kiln::predict
