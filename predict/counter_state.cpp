#include "predict/counter_state.hpp"

#include <algorithm>
#include <cmath>

namespace kiln::predict {

double CounterState::Update(std::int64_t t, double value, std::int64_t known_since) {
  std::int64_t hour = HourOf(t);
  if (!seen_) {
    seen_ = true;
    last_ = value;
    first_hour_ = usual_hour_ = covered_until_ = std::min(hour, HourOf(std::min(t, known_since)));
    return 0;
  }
  double increment = value - last_;
  if (value < last_) {
    increment = value;
    ForgetRecent();
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
    Fold(hours_.front().first, hours_.front().second);
    hours_.pop_front();
  }
}

void CounterState::Fold(std::int64_t old_hour, double increment) {
  if (old_hour < usual_hour_) old_hour = usual_hour_;
  usual_total_ =
      usual_total_ * std::exp2(-static_cast<double>(old_hour - usual_hour_) / kUsualHalfLifeHours) + increment;
  usual_hour_ = old_hour;
}

void CounterState::ForgetRecent() {
  if (hours_.empty()) return;
  for (const auto& [hour, increment] : hours_) Fold(hour, increment);
  // The folded hours are covered from now on: the usual rate divides their increments by the hours they span.
  covered_until_ = std::max(covered_until_, hours_.back().first + 1);
  hours_.clear();
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

double CounterState::UsualPerHour(std::int64_t judged_from) const {
  // The decayed total over the decayed length of the hours it covers; a series with less than kRecentHours aged out is
  // judged by all of its hours before judged_from, over at least kYoungHours (one burst in its first hours does not set
  // its usual rate alone).
  double covered = static_cast<double>(std::max<std::int64_t>(covered_until_ - first_hour_, 0));
  if (covered < kRecentHours && judged_from != INT64_MAX) {
    double before = usual_total_ + Sum(first_hour_, judged_from - 1);
    return before / static_cast<double>(std::max(judged_from - first_hour_, kYoungHours));
  }
  double horizon = (1 - std::exp2(-covered / kUsualHalfLifeHours)) * kUsualHalfLifeHours / std::log(2.0);
  return usual_total_ / std::max(horizon, static_cast<double>(kRecentHours));
}

}  // namespace kiln::predict
