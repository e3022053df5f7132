#include "probes/gpu_stress/burn_telemetry.hpp"

#include <fmt/format.h>

#include "probes/health/gpu_events.hpp"

namespace kiln {

std::vector<Measurement> BurnTelemetry(const Subject& gpu, const std::vector<GpuSample>& samples,
                                       double sample_seconds) {
  std::vector<double> temperature, power, clock, power_limit, clock_max;
  std::vector<std::uint64_t> reasons;
  double faults = 0;
  for (const GpuSample& s : samples) {
    if (s.temperature_c) temperature.push_back(*s.temperature_c);
    if (s.power_w) power.push_back(*s.power_w);
    if (s.sm_clock_mhz) clock.push_back(*s.sm_clock_mhz);
    if (s.power_limit_w) power_limit.push_back(*s.power_limit_w);
    if (s.sm_clock_max_mhz) clock_max.push_back(*s.sm_clock_max_mhz);
    if (s.throttle_reasons) reasons.push_back(*s.throttle_reasons);
    if (s.throttle_reasons && gpu::ThrottleIsFault(*s.throttle_reasons)) ++faults;
  }
  std::vector<Measurement> out;
  if (samples.empty()) return out;
  std::string method = fmt::format("NVML every {:g}s during the burn", sample_seconds);
  auto add = [&](const char* metric, const char* unit, const std::vector<double>& values, bool higher) {
    if (!values.empty()) out.push_back(MakeMeasurement("gpu_stress", metric, unit, gpu, values, higher, method));
  };
  add("gpu.stress.temperature", "C", temperature, false);
  add("gpu.stress.power", "W", power, true);
  add("gpu.stress.sm_clock", "MHz", clock, true);
  out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.throttle_faults", "count", gpu, {faults}, false,
                                method + "; samples with a throttle reason other than idle or power cap"));
  add("gpu.stress.power_limit", "W", power_limit, true);
  add("gpu.stress.sm_clock_max", "MHz", clock_max, true);
  for (const auto& [reason, share] : gpu::ThrottleShares(reasons)) {
    out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.throttle_share", "%", gpu, {share}, false,
                                  method + "; share of samples with this clock event reason", {{"reason", reason}}));
  }
  return out;
}

}  // namespace kiln
