#include "core/drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kiln {
namespace {

double Median(std::vector<double> values) {
  std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return (upper + *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
}

}  // namespace

DriftResult DetectDrift(std::vector<DriftPoint> points, bool higher_is_better, const DriftRule& rule) {
  DriftResult result;
  result.points = static_cast<int>(points.size());
  if (result.points < rule.min_points) {
    result.reason = fmt::format("{} point(s); drift needs {}", result.points, rule.min_points);
    return result;
  }
  std::sort(points.begin(), points.end(), [](const DriftPoint& a, const DriftPoint& b) { return a.t_days < b.t_days; });
  std::vector<double> slopes;
  long concordant = 0, discordant = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = i + 1; j < points.size(); ++j) {
      double dt = points[j].t_days - points[i].t_days;
      double dv = points[j].value - points[i].value;
      if (dt > 0) slopes.push_back(dv / dt);
      double sign = dt * dv;
      concordant += sign > 0 ? 1 : 0;
      discordant += sign < 0 ? 1 : 0;
    }
  }
  if (slopes.empty()) {
    result.reason = "every point has the same time";
    return result;
  }
  long pairs = static_cast<long>(points.size() * (points.size() - 1) / 2);
  result.kendall_tau = static_cast<double>(concordant - discordant) / static_cast<double>(pairs);
  result.slope_per_day = Median(slopes);
  std::vector<double> intercepts;
  for (const DriftPoint& p : points) intercepts.push_back(p.value - result.slope_per_day * p.t_days);
  double intercept = Median(intercepts);
  double first = intercept + result.slope_per_day * points.front().t_days;
  double last = intercept + result.slope_per_day * points.back().t_days;
  result.relative_change = first != 0 ? (last - first) / std::fabs(first) : 0;
  double worsening = higher_is_better ? -result.relative_change : result.relative_change;
  double tau_worse = higher_is_better ? -result.kendall_tau : result.kendall_tau;
  result.drifting = worsening >= rule.min_relative_change && tau_worse >= rule.min_tau;
  result.reason = fmt::format("trend {:+.1f}% over {:.1f} day(s) ({} points, Kendall tau {:+.2f}); drift is {} {:.0f}% "
                              "with |tau| >= {:.2f}",
                              100 * result.relative_change, points.back().t_days - points.front().t_days,
                              result.points, result.kendall_tau, higher_is_better ? "a loss of" : "a rise of",
                              100 * rule.min_relative_change, rule.min_tau);
  return result;
}

}  // namespace kiln
