#pragma once
// The NVML readings of one GPU during the GEMM burn, as measurements: temperature, power, SM clock, the power
// limit and the clock's maximum, throttle faults, and the share of samples with each throttle reason. Plain C++
// (tested on the CPU); what a failing verdict's cause line is built from (core/telemetry_cause.hpp).

#include <vector>

#include "core/measurement.hpp"
#include "probes/health/nvml_session.hpp"

namespace kiln {

std::vector<Measurement> BurnTelemetry(const Subject& gpu, const std::vector<GpuSample>& samples,
                                       double sample_seconds);

}  // namespace kiln
