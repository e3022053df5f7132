#pragma once
// One counter's recent history: increments per hour (sparse: quiet hours cost nothing), reset-aware, and a slowly
// decaying long-run rate that says what is normal for this series.

#include <cstdint>
#include <deque>
#include <utility>

namespace kiln::predict {

inline constexpr std::int64_t kSecondsPerHour = 3600;
inline std::int64_t HourOf(std::int64_t t) { return t >= 0 ? t / kSecondsPerHour : (t + 1) / kSecondsPerHour - 1; }

class CounterState {
 public:
  // Takes the counter's value at t (samples in time order). A value below the last one is a reset (a reboot or a
  // driver reload): the new value is the increment since then, and the recent hours are forgotten, because a
  // reset also repairs what it resets (remaps applied, links retrained). The first sample sets the level only.
  // Returns the increment.
  double Update(std::int64_t t, double value);

  // Sum of the increments in the hours [from, to] and the span from first to last hour with any.
  double Sum(std::int64_t from_hour, std::int64_t to_hour) const;
  std::int64_t Span(std::int64_t from_hour, std::int64_t to_hour) const;
  // The largest increment of one hour in [from, to] (0 without any).
  double Largest(std::int64_t from_hour, std::int64_t to_hour) const;
  // Increments per hour that this series has had before its recent hours (0 while unknown).
  double UsualPerHour() const;
  // Drops the recent hours (the usual rate stays): their evidence is stale.
  void ForgetRecent() { hours_.clear(); }
  std::int64_t resets() const { return resets_; }
  std::int64_t first_hour() const { return first_hour_; }

 private:
  static constexpr std::int64_t kRecentHours = 48;
  static constexpr double kUsualHalfLifeHours = 168;
  void Age(std::int64_t hour);

  bool seen_ = false;
  double last_ = 0;
  std::deque<std::pair<std::int64_t, double>> hours_;  // (hour, increment), only hours with one
  double usual_total_ = 0;                             // aged-out increments, decayed to usual_hour_
  std::int64_t usual_hour_ = 0;
  std::int64_t first_hour_ = 0;
  std::int64_t covered_until_ = 0;  // the aged-out hours reach this far
  std::int64_t resets_ = 0;
};

}  // namespace kiln::predict
