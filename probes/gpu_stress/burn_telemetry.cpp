#include "probes/gpu_stress/burn_telemetry.hpp"

#include <fmt/format.h>

#include <map>

#include "probes/health/gpu_events.hpp"

namespace kiln {
namespace {

constexpr const char* kPower = "gpu.stress.power";
constexpr const char* kSmClock = "gpu.stress.sm_clock";
constexpr const char* kTemperature = "gpu.stress.temperature";
constexpr const char* kPowerLimit = "gpu.stress.power_limit";
constexpr const char* kSmClockMax = "gpu.stress.sm_clock_max";
constexpr const char* kThrottleShare = "gpu.stress.throttle_share";
constexpr const char* kTypeLabel = "type";

// The readings of some samples, series by series.
struct Readings {
  std::vector<double> temperature, power, clock, power_limit, clock_max;
  std::vector<std::uint64_t> reasons;
  double faults = 0;
  std::size_t count = 0;

  void Add(const GpuSample& s) {
    ++count;
    if (s.temperature_c) temperature.push_back(*s.temperature_c);
    if (s.power_w) power.push_back(*s.power_w);
    if (s.sm_clock_mhz) clock.push_back(*s.sm_clock_mhz);
    if (s.power_limit_w) power_limit.push_back(*s.power_limit_w);
    if (s.sm_clock_max_mhz) clock_max.push_back(*s.sm_clock_max_mhz);
    if (s.throttle_reasons) reasons.push_back(*s.throttle_reasons);
    if (s.throttle_reasons && gpu::ThrottleIsFault(*s.throttle_reasons)) ++faults;
  }
};

// The sampled series of `r`, with `labels`.
void AddSampled(std::vector<Measurement>& out, const Subject& gpu, const Readings& r, const std::string& method,
                const std::map<std::string, std::string>& labels) {
  auto add = [&](const char* metric, const char* unit, const std::vector<double>& values, bool higher) {
    if (!values.empty()) out.push_back(MakeMeasurement("gpu_stress", metric, unit, gpu, values, higher, method, labels));
  };
  add(kTemperature, "C", r.temperature, false);
  add(kPower, "W", r.power, true);
  add(kSmClock, "MHz", r.clock, true);
}

// The share of `r`'s samples with each throttle reason, with `labels`.
void AddShares(std::vector<Measurement>& out, const Subject& gpu, const Readings& r, const std::string& method,
               const std::map<std::string, std::string>& labels) {
  for (const auto& [reason, share] : gpu::ThrottleShares(r.reasons)) {
    std::map<std::string, std::string> with_reason = labels;
    with_reason["reason"] = reason;
    out.push_back(MakeMeasurement("gpu_stress", kThrottleShare, "%", gpu, {share}, false,
                                  method + "; share of samples with this clock event reason", with_reason));
  }
}

}  // namespace

CauseSeries BurnCauseSeries() {
  return {"gpu.stress.tflops", kTypeLabel, kPower, kSmClock, kTemperature, kPowerLimit, kSmClockMax, kThrottleShare};
}

std::vector<Measurement> BurnTelemetry(const Subject& gpu, const std::vector<TimedSample>& samples,
                                       const std::vector<TypeWindow>& windows, double sample_seconds) {
  std::vector<Measurement> out;
  if (samples.empty()) return out;
  Readings burn;
  for (const TimedSample& s : samples) burn.Add(s.sample);
  std::string method = fmt::format("NVML every {:g}s during the burn", sample_seconds);
  AddSampled(out, gpu, burn, method, {});
  out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.throttle_faults", "count", gpu, {burn.faults}, false,
                                method + "; samples with a throttle reason other than idle or power cap"));
  if (!burn.power_limit.empty()) out.push_back(MakeMeasurement("gpu_stress", kPowerLimit, "W", gpu, burn.power_limit, true, method));
  if (!burn.clock_max.empty()) out.push_back(MakeMeasurement("gpu_stress", kSmClockMax, "MHz", gpu, burn.clock_max, true, method));
  AddShares(out, gpu, burn, method, {});
  // A cause is about one type: the clock while bf16 ran, not the burn's median over every type.
  for (const TypeWindow& window : windows) {
    Readings during;
    for (const TimedSample& s : samples) {
      if (s.at_s >= window.start_s && s.at_s < window.end_s) during.Add(s.sample);
    }
    if (during.count == 0) continue;
    std::string while_type = fmt::format("NVML every {:g}s while {} ran ({:.1f}s to {:.1f}s of the burn)",
                                         sample_seconds, window.type, window.start_s, window.end_s);
    AddSampled(out, gpu, during, while_type, {{kTypeLabel, window.type}});
    AddShares(out, gpu, during, while_type, {{kTypeLabel, window.type}});
  }
  return out;
}

}  // namespace kiln
