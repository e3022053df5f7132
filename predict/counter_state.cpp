#include "predict/counter_state.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>

namespace kiln::predict {
namespace {

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The ceilings of the counter widths that saturate rather than wrap (InfiniBand PMA counters: 4, 8, 16 and 32 bits).
bool AtCeiling(double value) {
  for (double ceiling : {15.0, 255.0, 65535.0, 4294967295.0}) {
    if (value == ceiling) return true;
  }
  return false;
}

}  // namespace

double CounterState::Update(std::int64_t t, double value, std::int64_t known_since) {
  std::int64_t hour = HourOf(t);
  if (!seen_) {
    seen_ = true;
    last_ = value;
    first_hour_ = usual_hour_ = covered_until_ = std::min(hour, HourOf(std::min(t, known_since)));
    return 0;
  }
  double increment = value - last_;
  if (value < last_ && AtCeiling(last_)) {
    const std::int64_t resets = resets_, restarts = restarts_;
    *this = CounterState();
    Update(t, 0, t);
    resets_ = resets + 1;
    restarts_ = restarts + 1;
    return Update(t, value);
  }
  if (value < last_) {
    increment = value;
    ForgetRecent();
    ++resets_;
  }
  last_ = value;
  Age(hour);
  if (increment <= 0) return 0;
  if (first_increment_hour_ == INT64_MIN) first_increment_hour_ = hour;
  if (!hours_.empty() && hours_.back().first == hour) {
    hours_.back().second += increment;
  } else {
    if (!hours_.empty()) Lump(hours_.back().first, hours_.back().second);  // that hour is complete
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

void CounterState::Lump(std::int64_t hour, double increment) {
  if (hour <= lump_hour_) return;
  lump_hour_ = hour;
  if (first_lump_hour_ == INT64_MIN) first_lump_hour_ = hour;
  lumps_.push_back(increment);
  if (lumps_.size() > kLumpHours) lumps_.pop_front();
  // The third largest, kept once an hour: a fault's first two bursts are not yet the habit its third must outgrow.
  std::array<double, 3> top{};
  for (double lump : lumps_) {
    if (lump <= top[2]) continue;
    top[2] = lump;
    std::sort(top.begin(), top.end(), std::greater<>());
  }
  third_largest_lump_ = top[std::min<std::size_t>(2, lumps_.size() - 1)];
}

void CounterState::Fold(std::int64_t old_hour, double increment) {
  Lump(old_hour, increment);
  std::int64_t block = FloorDiv(old_hour, kSpreadBlockHours);
  if (!blocks_.empty() && blocks_.back().first == block) {
    blocks_.back().second += increment;
  } else {
    blocks_.emplace_back(block, increment);
  }
  // Enough for the two weeks before the oldest hour still recent (judged_from is at most kRecentHours back).
  while (blocks_.front().first < block - kSpreadBlocks - (kRecentHours + kHabitGapHours) / kSpreadBlockHours - 1) {
    blocks_.pop_front();
  }
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

double CounterState::LargestHabitualHour() const {
  // A habit is old: lumps since the series was first seen (active before the replay began), or for kHabitHours. A
  // fault's bursts come after a clean stretch and within days, and must not become their own habit.
  bool from_start = first_lump_hour_ - first_hour_ <= kYoungHours;
  bool lasting = lump_hour_ - first_lump_hour_ >= kHabitHours;
  if (!(from_start && lumps_.size() >= kMinLumpsFromStart) && !(lasting && lumps_.size() >= kMinLumps)) return 0;
  return third_largest_lump_;
}

std::pair<std::int64_t, std::int64_t> CounterState::PastBlocks(std::int64_t judged_from) const {
  // The series' past only: complete blocks of aged-out hours (its recent hours, a precursor's ramp among them, are
  // what is judged), from the first one it covers whole to the last before judged_from.
  std::int64_t last = FloorDiv(std::min(judged_from, covered_until_), kSpreadBlockHours) - 1;
  std::int64_t first =
      std::max(FloorDiv(first_hour_ + kSpreadBlockHours - 1, kSpreadBlockHours), last - kSpreadBlocks + 1);
  return {first, last};
}

CounterState::Habit CounterState::HabitBefore(std::int64_t judged_from, double share) const {
  auto [first, last] = PastBlocks(judged_from);
  std::int64_t days = last >= first ? (last - first + 1) / kBlocksPerDay : 0;
  Habit habit;
  if (days < kMinHabitDays) {
    habit.chronic = first_increment_hour_ != INT64_MIN &&
                    (first_increment_hour_ - first_hour_ <= kYoungHours || first_increment_hour_ < judged_from);
    habit.busiest_block = habit.chronic ? std::numeric_limits<double>::infinity() : 0;
    return habit;
  }
  first = last - days * kBlocksPerDay + 1;  // whole days, ending with the last block
  std::int64_t active_days = 0, day = -1;
  for (const auto& [block, increment] : blocks_) {
    if (block < first || block > last) continue;
    habit.busiest_block = std::max(habit.busiest_block, increment);
    if (FloorDiv(block - first, kBlocksPerDay) != day) {
      day = FloorDiv(block - first, kBlocksPerDay);
      ++active_days;
    }
  }
  // Half of its days, or a smaller share of them on kMinIntermittentDays at least: a fault's first bursts days apart
  // (two of them in its past) do not make a series chronic.
  habit.chronic = active_days >= kMinHabitDays &&
                  (2 * active_days >= days || (active_days >= kMinIntermittentDays &&
                                               static_cast<double>(active_days) >= share * static_cast<double>(days)));
  return habit;
}

double CounterState::Dispersion(std::int64_t judged_from) const {
  auto [first, last] = PastBlocks(judged_from);
  std::size_t n = last >= first ? static_cast<std::size_t>(last - first + 1) : 0;
  std::array<double, kSpreadBlocks> counts{};
  for (const auto& [block, increment] : blocks_) {
    if (block >= first && block <= last) counts[static_cast<std::size_t>(block - first)] += increment;
  }
  // The largest tenth left out (one at least): a few bursts, a remap's or a reseat's or a fault's first ones, are
  // no habit.
  std::size_t kept = n - std::min(n, n / 10 + 1);
  double estimate = 1;
  if (kept >= kMinSpreadBlocks) {
    std::sort(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(n));
    double mean = 0, squares = 0;
    for (std::size_t i = 0; i < kept; ++i) mean += counts[i];
    mean /= static_cast<double>(kept);
    for (std::size_t i = 0; i < kept; ++i) squares += (counts[i] - mean) * (counts[i] - mean);
    if (mean > 0) estimate = std::max(1.0, squares / static_cast<double>(kept - 1) / mean);
  } else {
    kept = 0;
  }
  // Field counters vary more than Poisson's: until enough of the series' own past is seen, the prior weighs in.
  double k = static_cast<double>(kept);
  return (k * estimate + kPriorBlocks * kPriorDispersion) / (k + kPriorBlocks);
}

}  // namespace kiln::predict
