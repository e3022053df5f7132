#include "predict/patterns.hpp"

#include <algorithm>

namespace kiln::predict {

void CounterPatterns::Observe(std::int64_t hour) {
  if (observed_from_ < 0) observed_from_ = hour;
}

void CounterPatterns::Add(std::int64_t hour, double increment, const CounterState& counter, bool trusted,
                          const PatternRule& rule) {
  if (increment <= 0) return;
  if (hour != hour_) {
    Close(rule);
    hour_ = hour;
    sum_ = 0;
    trusted_ = true;
    const double usual = counter.UsualPerHour(hour);
    threshold_ = std::max({rule.min_burst, rule.usual_factor * usual,
                           AboveUsual(usual, counter.Dispersion(hour), rule.usual_sigmas),
                           rule.lump_factor * counter.LargestHabitualHour()});
  }
  sum_ += increment;
  // Nor does one in the series' first hours: a chronic series' usual rate is not known yet (a replay's cold start).
  trusted_ = trusted_ && trusted && observed_from_ >= 0 && hour - observed_from_ >= rule.burst_warmup_hours;
  // Clean for clean_hours while observed: this increment opens a new activity. One that the exporter gathered over
  // a silence is activity, but it cannot say the series was clean before it.
  bool clean = last_increment_ < 0 ? observed_from_ >= 0 && hour - observed_from_ >= rule.clean_hours
                                   : hour - last_increment_ >= rule.clean_hours;
  if (clean && trusted) onset_hour_ = hour;
  if (clean && !trusted) onset_hour_ = -1;
  last_increment_ = hour;
}

void CounterPatterns::Remapped(std::int64_t hour) {
  remap_hour_ = hour;
  if (!burst_hours_.empty() && burst_hours_.back().first >= hour - 1) burst_hours_.pop_back();
}

void CounterPatterns::Close(const PatternRule& rule) {
  if (hour_ < 0 || !trusted_ || sum_ < threshold_) return;
  if (remap_hour_ >= 0 && hour_ - remap_hour_ <= 1 && remap_hour_ - hour_ <= 1) return;
  if (!burst_hours_.empty() && hour_ - burst_hours_.back().first < rule.burst_gap_hours) {
    burst_hours_.back() = {hour_, epoch_};  // the same burst, one more hour of it
  } else {
    burst_hours_.emplace_back(hour_, epoch_);
  }
  while (!burst_hours_.empty() && burst_hours_.front().first <= hour_ - rule.burst_horizon) burst_hours_.pop_front();
}

CounterPatterns::BurstCount CounterPatterns::Bursts(std::int64_t hour, const PatternRule& rule) const {
  BurstCount count;
  for (const auto& [h, epoch] : burst_hours_) {
    if (h <= hour - rule.burst_horizon) continue;
    ++count.all;
    if (epoch == epoch_) ++count.since_reset;
  }
  bool gathering = hour_ >= 0 && hour_ > hour - rule.burst_horizon && trusted_ && sum_ >= threshold_ &&
                   !(remap_hour_ >= 0 && hour_ - remap_hour_ <= 1 && remap_hour_ - hour_ <= 1);
  if (gathering && (burst_hours_.empty() || hour_ - burst_hours_.back().first >= rule.burst_gap_hours)) {
    ++count.all;
    ++count.since_reset;
  }
  return count;
}

void CounterPatterns::Forget(std::int64_t hour) {
  burst_hours_.clear();
  hour_ = -1;
  sum_ = 0;
  observed_from_ = hour;
  last_increment_ = -1;
  onset_hour_ = -1;
}

double SteepGrowth(const CounterState& counter, std::int64_t hour, double usual_per_hour, double dispersion,
                   const PatternRule& rule) {
  if (hour - counter.first_hour() < 24) return 0;  // a young series has no usual hour to stand out from
  // Windows of 1 to steep_width hours: an exporter that gathers a counter's changes every hour or two makes a steep
  // ramp's hours lumpy (one with, one without), not its windows of two or three hours.
  for (int width = 1; width <= rule.steep_width; ++width) {
    double usual = usual_per_hour * width;
    double first_needed =
        std::max({rule.steep_first, 3 * usual, AboveUsual(usual, dispersion, rule.steep_sigmas)});
    double previous = 0, total = 0;
    bool rising = true;
    for (int k = rule.steep_windows; k >= 1 && rising; --k) {
      std::int64_t last = hour - 1 - static_cast<std::int64_t>(k - 1) * width;
      double increment = counter.Sum(last - width + 1, last);
      rising = k == rule.steep_windows ? increment >= first_needed : increment > previous;
      previous = increment;
      total += increment;
    }
    if (rising && total >= rule.steep_total) return total;
  }
  return 0;
}

Activity ActiveWindows(const CounterState& counter, std::int64_t hour, const PatternRule& rule) {
  Activity activity;
  for (int k = 0; k < rule.active_windows; ++k) {
    std::int64_t last = hour - static_cast<std::int64_t>(k) * rule.active_window_hours;
    double sum = counter.Sum(last - rule.active_window_hours + 1, last);
    activity.total += sum;
    if (sum > 0) ++activity.active;
  }
  return activity;
}

}  // namespace kiln::predict
