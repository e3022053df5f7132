// From NVML samples of a burn to the cause line of a failing GEMM verdict.

#include "core/telemetry_cause.hpp"

#include <gtest/gtest.h>

#include "probes/gpu_stress/burn_telemetry.hpp"

namespace kiln {
namespace {

// `n` samples at `watts` of a 700 W limit, SM clock `mhz` of 1980, with throttle reason bits `reasons`.
std::vector<GpuSample> Samples(int n, double watts, double mhz, std::uint64_t reasons) {
  std::vector<GpuSample> samples;
  for (int i = 0; i < n; ++i) {
    GpuSample s;
    s.temperature_c = 60 + i % 5;
    s.power_w = watts;
    s.sm_clock_mhz = mhz;
    s.power_limit_w = 700;
    s.sm_clock_max_mhz = 1980;
    s.throttle_reasons = reasons;
    samples.push_back(s);
  }
  return samples;
}

const Subject kGpu = Subject::Device("node1", "gpu0");

TEST(BurnTelemetry, ReportsEverySeriesAndTheThrottleShares) {
  std::vector<GpuSample> samples = Samples(9, 695, 1560, 0x4);
  samples.push_back(Samples(1, 690, 1400, 0x4 | 0x8)[0]);
  std::vector<Measurement> ms = BurnTelemetry(kGpu, samples, 1.0);
  std::map<std::string, double> values;
  for (const Measurement& m : ms) values[m.SeriesKey()] = m.value();
  EXPECT_EQ(values.at("gpu.stress.power_limit"), 700);
  EXPECT_EQ(values.at("gpu.stress.sm_clock_max"), 1980);
  EXPECT_EQ(values.at("gpu.stress.throttle_faults"), 1);  // the HW slowdown sample
  EXPECT_EQ(values.at("gpu.stress.throttle_share{reason=sw_power_cap}"), 100);
  EXPECT_EQ(values.at("gpu.stress.throttle_share{reason=hw_slowdown}"), 10);
  EXPECT_TRUE(BurnTelemetry(kGpu, {}, 1.0).empty());
}

TEST(TelemetryCause, APowerCappedGpuIsNotAFault) {
  std::string cause = TelemetryCause(kGpu, BurnTelemetry(kGpu, Samples(20, 695, 1560, 0x4), 1.0));
  EXPECT_EQ(cause,
            "at the 700 W power limit in 100% of 20 samples (median 695 W), SM clock median 1560 of 1980 MHz, "
            "throttle reasons: SW power cap 100%, temperature max 64 C: power-limited, not a fault");
}

TEST(TelemetryCause, HardwareSlowdownPointsAtCooling) {
  std::string cause = TelemetryCause(kGpu, BurnTelemetry(kGpu, Samples(10, 450, 1100, 0x8 | 0x40), 1.0));
  EXPECT_NE(cause.find("throttle reasons: HW slowdown 100%, HW thermal 100%"), std::string::npos) << cause;
  EXPECT_NE(cause.find("HW slowdown or thermal throttling in 100% of samples: check cooling and power delivery"),
            std::string::npos) << cause;
}

TEST(TelemetryCause, NoLimitExplainsALowNumberAtFullClock) {
  std::string cause = TelemetryCause(kGpu, BurnTelemetry(kGpu, Samples(10, 300, 1980, 0), 1.0));
  EXPECT_NE(cause.find("no throttle reason"), std::string::npos) << cause;
  EXPECT_NE(cause.find("no power or thermal limit explains it: suspect the GPU"), std::string::npos) << cause;
  EXPECT_EQ(TelemetryCause(Subject::Device("node1", "gpu1"), BurnTelemetry(kGpu, Samples(3, 300, 1980, 0), 1.0)), "");
}

TEST(TelemetryCause, OnlyFailingOrWarningGemmVerdictsGetOne) {
  std::vector<Measurement> ms = BurnTelemetry(kGpu, Samples(5, 695, 1560, 0x4), 1.0);
  Verdict fail{"gpu_stress", "gpu.stress.tflops", "gpu.stress.tflops{type=bf16}", kGpu, Outcome::kFail, "", "", "",
               std::nullopt, std::nullopt, "", std::nullopt, Outcome::kFail};
  Verdict pass = fail;
  pass.outcome = Outcome::kPass;
  Verdict hbm = fail;
  hbm.probe = "hbm_bandwidth";
  hbm.metric = "hbm.copy_bw";
  std::vector<Verdict> verdicts{fail, pass, hbm};
  AttachCauses(verdicts, ms);
  EXPECT_NE(verdicts[0].cause.find("power-limited, not a fault"), std::string::npos);
  EXPECT_EQ(verdicts[1].cause, "");
  EXPECT_EQ(verdicts[2].cause, "");
}

}  // namespace
}  // namespace kiln
