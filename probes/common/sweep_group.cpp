#include "probes/common/sweep_group.hpp"

#include <bit>
#include <string>
#include <vector>

namespace kiln {

double CommunicatorGroup::MaxSeconds(double seconds) {
  // Non-negative doubles order as their bit patterns do when read as signed integers, so the integer maximum
  // is the exact maximum (no rounding to nanoseconds).
  double positive = seconds > 0 ? seconds : 0.0;
  return std::bit_cast<double>(comm_.AllreduceMax(std::bit_cast<std::int64_t>(positive)));
}

int CommunicatorGroup::MaxVote(int value) { return static_cast<int>(comm_.AllreduceMax(value)); }

std::int64_t CommunicatorGroup::SumOnRoot(std::int64_t count) {
  std::int64_t sum = 0;
  for (const std::string& text : comm_.GatherToRoot(std::to_string(count))) sum += std::stoll(text);
  return sum;
}

}  // namespace kiln
