#pragma once
// The host_compute kernel: independent chains of multiply-adds in registers, no memory traffic, so the rate
// is the cores' own (clock, throttling, a starved or down-clocked core). The result of a fixed number of
// iterations is exact and the same on every run of one binary: any difference is a wrong result.

#include <array>
#include <cstdint>

namespace kiln::compute_kernel {

inline constexpr int kLanes = 32;  // independent chains: enough to fill the FMA pipelines of any x86 or Arm core
using Lanes = std::array<double, kLanes>;

inline constexpr double kFlopsPerIteration = 2.0 * kLanes;  // a multiply and an add per lane

// The lanes every run starts from.
Lanes Seed();

// `iterations` steps of x = x * a + b on every lane; a and b keep the values bounded and never denormal.
void Run(Lanes& lanes, std::int64_t iterations);

// How many lanes differ (bit for bit) from the reference.
int WrongLanes(const Lanes& result, const Lanes& reference);

}  // namespace kiln::compute_kernel
