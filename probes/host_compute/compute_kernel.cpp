#include "probes/host_compute/compute_kernel.hpp"

#include <cstring>

namespace kiln::compute_kernel {

Lanes Seed() {
  Lanes lanes{};
  for (int i = 0; i < kLanes; ++i) lanes[static_cast<std::size_t>(i)] = 1.5 + 0.015625 * i;
  return lanes;
}

void Run(Lanes& lanes, std::int64_t iterations) {
  // x converges to b / (1 - a) = 1.0 from any seed, slowly: the values stay normal and change every step.
  constexpr double a = 0.9999999;
  constexpr double b = 1e-7;
  Lanes x = lanes;
  for (std::int64_t i = 0; i < iterations; ++i) {
    for (int l = 0; l < kLanes; ++l) x[static_cast<std::size_t>(l)] = x[static_cast<std::size_t>(l)] * a + b;
  }
  lanes = x;
}

int WrongLanes(const Lanes& result, const Lanes& reference) {
  int wrong = 0;
  for (std::size_t l = 0; l < result.size(); ++l) {
    wrong += std::memcmp(&result[l], &reference[l], sizeof(double)) != 0 ? 1 : 0;
  }
  return wrong;
}

}  // namespace kiln::compute_kernel
