#include "predict/counter_state.hpp"

#include <algorithm>
#include <cmath>

namespace kiln::predict {

double CounterState::Update(std::int64_t t, double value) {
  std::int64_t hour = HourOf(t);
  if (!seen_) {
    seen_ = true;
    last_ = value;
    first_hour_ = usual_hour_ = covered_until_ = hour;
    return 0;
  }
  double increment = value - last_;
  if (value < last_) {
    increment = value;
    hours_.clear();
    ++resets_;
  }
  last_ = value;
  Age(hour);
  if (increment <= 0) return 0;
  if (!hours_.empty() && hours_.back().first == hour) {
    hours_.back().second += increment;
  } else {
    hours_.emplace_back(hour, increment);
  }
  return increment;
}

void CounterState::Age(std::int64_t hour) {
  covered_until_ = std::max(covered_until_, hour - kRecentHours);
  while (!hours_.empty() && hours_.front().first <= hour - kRecentHours) {
    auto [old_hour, increment] = hours_.front();
    hours_.pop_front();
    if (old_hour < usual_hour_) old_hour = usual_hour_;
    usual_total_ =
        usual_total_ * std::exp2(-static_cast<double>(old_hour - usual_hour_) / kUsualHalfLifeHours) + increment;
    usual_hour_ = old_hour;
  }
}

double CounterState::Sum(std::int64_t from_hour, std::int64_t to_hour) const {
  double sum = 0;
  for (const auto& [hour, increment] : hours_) {
    if (hour >= from_hour && hour <= to_hour) sum += increment;
  }
  return sum;
}

double CounterState::Largest(std::int64_t from_hour, std::int64_t to_hour) const {
  double largest = 0;
  for (const auto& [hour, increment] : hours_) {
    if (hour >= from_hour && hour <= to_hour) largest = std::max(largest, increment);
  }
  return largest;
}

std::int64_t CounterState::Span(std::int64_t from_hour, std::int64_t to_hour) const {
  std::int64_t first = -1, last = -1;
  for (const auto& [hour, increment] : hours_) {
    if (hour < from_hour || hour > to_hour) continue;
    if (first < 0) first = hour;
    last = hour;
  }
  return first < 0 ? 0 : last - first;
}

double CounterState::UsualPerHour() const {
  // The decayed total over the decayed length of the hours it covers; a young series is judged over at least
  // kRecentHours, so that one burst in its first hours does not set its usual rate.
  double covered = static_cast<double>(std::max<std::int64_t>(covered_until_ - first_hour_, 0));
  double horizon = (1 - std::exp2(-covered / kUsualHalfLifeHours)) * kUsualHalfLifeHours / std::log(2.0);
  return usual_total_ / std::max(horizon, static_cast<double>(kRecentHours));
}

}  // namespace kiln::predict
