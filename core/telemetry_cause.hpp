#pragma once
// Why a GPU performance verdict failed or warned, from the telemetry its GEMM burn recorded on the same GPU:
// power against the limit, SM clock against its maximum, throttle reasons by kind, temperature. "At the 700 W
// power limit in 94% of samples, SM clock 1560 of 1980 MHz, no HW slowdown: power-limited, not a fault".

#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/verdict.hpp"

namespace kiln {

// Telemetry metrics the GEMM burn reports per GPU (besides gpu.stress.power, .sm_clock, .temperature samples).
inline constexpr const char* kPowerLimitMetric = "gpu.stress.power_limit";
inline constexpr const char* kSmClockMaxMetric = "gpu.stress.sm_clock_max";
inline constexpr const char* kThrottleShareMetric = "gpu.stress.throttle_share";  // label reason=...

// The cause line for `subject` (a GPU), or "" when no telemetry of it was recorded.
std::string TelemetryCause(const Subject& subject, const std::vector<Measurement>& measurements);

// Sets Verdict::cause on every failing or warning GEMM-burn performance verdict that has telemetry.
void AttachCauses(std::vector<Verdict>& verdicts, const std::vector<Measurement>& measurements);

}  // namespace kiln
