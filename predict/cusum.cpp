#include "predict/cusum.hpp"

#include <algorithm>

namespace kiln::predict {

bool Cusum::Add(double x) {
  ++count_;
  if (count_ == 1) level_ = x;
  if (count_ <= options_.warmup) {
    level_ += (x - level_) * std::max(options_.learn_rate, 1.0 / count_);
    return false;
  }
  // Capped, so that the alarm ends within a day once the cause is gone (a fan replaced, a GPU swapped).
  sum_ = std::clamp(sum_ + x - level_ - options_.slack, 0.0, 2 * options_.threshold);
  // The level follows slowly, by steps clipped to the slack (an unbiased median-like tracker: learning only from
  // values below level + slack would drag it down), and not at all in alarm.
  if (!alarm()) level_ += std::clamp(x - level_, -options_.slack, options_.slack) * options_.learn_rate;
  return alarm();
}

}  // namespace kiln::predict
