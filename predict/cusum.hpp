#pragma once
// One-sided CUSUM (Page 1954) on hourly values against the series' own slowly learnt level: S = max(0, S + x - mu
// - k), alarm while S > h. The level learns slowly and by clipped steps, and not in alarm, so a drift cannot
// teach itself to be normal.

#include <cstdint>

namespace kiln::predict {

struct CusumOptions {
  double slack = 2.0;            // k: what the level may wander without counting (units of x)
  double threshold = 36.0;       // h: units of x times hours
  double learn_rate = 1.0 / 48;  // of the level, per hourly value
  int warmup = 24;               // hourly values that only teach the level
};

class Cusum {
 public:
  explicit Cusum(CusumOptions options = {}) : options_(options) {}
  // Takes the next hourly value; returns true while in alarm.
  bool Add(double x);
  // Starts the sum again (the level stays): after a repair, the old excess says nothing.
  void ForgetSum() { sum_ = 0; }
  double sum() const { return sum_; }
  double level() const { return level_; }
  bool alarm() const { return count_ > options_.warmup && sum_ > options_.threshold; }

 private:
  CusumOptions options_;
  double level_ = 0;
  double sum_ = 0;
  int count_ = 0;
};

}  // namespace kiln::predict
