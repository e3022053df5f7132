#pragma once
// The NVML readings of one GPU during the GEMM burn, as measurements: temperature, power, SM clock, the power
// limit and the clock's maximum, throttle faults, and the share of samples with each throttle reason; over the
// whole burn and, labelled type=..., over the samples taken while each GEMM type ran. Plain C++ (tested on the
// CPU); what a failing verdict's cause line is built from (core/telemetry_cause.hpp, through BurnCauseSeries).

#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/probe.hpp"
#include "probes/health/nvml_session.hpp"

namespace kiln {

// The series a GEMM verdict's cause reads, and the label that names the type each verdict is about.
CauseSeries BurnCauseSeries();

// One NVML reading and when it was taken, in seconds from the burn's start.
struct TimedSample {
  double at_s = 0;
  GpuSample sample;
};

// When one GEMM type burned on this GPU, in seconds from the burn's start.
struct TypeWindow {
  std::string type;
  double start_s = 0, end_s = 0;
};

std::vector<Measurement> BurnTelemetry(const Subject& gpu, const std::vector<TimedSample>& samples,
                                       const std::vector<TypeWindow>& windows, double sample_seconds);

}  // namespace kiln
