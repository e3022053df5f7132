#pragma once
// Drift: a series that worsens steadily over time, even while every value still clears its floor. The
// trend is the Theil-Sen slope (median of pairwise slopes: robust to a few outliers); "steadily" is
// Kendall's tau (share of concordant minus discordant pairs), so noise around a flat line is not drift.

#include <string>
#include <vector>

namespace kiln {

struct DriftPoint {
  double t_days = 0;
  double value = 0;
};

struct DriftRule {
  int min_points = 5;                  // fewer points say nothing
  double min_relative_change = 0.05;   // the fitted trend must lose at least this share over the span
  double min_tau = 0.6;                // and be this monotone
};

struct DriftResult {
  bool drifting = false;
  int points = 0;
  double slope_per_day = 0;
  double relative_change = 0;  // fitted last vs fitted first, as a share of the first (negative: fell)
  double kendall_tau = 0;
  std::string reason;          // why it is, or is not, drift
};

DriftResult DetectDrift(std::vector<DriftPoint> points, bool higher_is_better, const DriftRule& rule = {});

}  // namespace kiln
