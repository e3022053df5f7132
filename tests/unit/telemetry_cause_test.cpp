// From NVML samples of a burn to the cause line of a failing GEMM verdict.

#include "core/telemetry_cause.hpp"

#include <gtest/gtest.h>

#include "probes/gpu_stress/burn_telemetry.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "tests/support/real_reports.hpp"

namespace kiln {
namespace {

// `n` samples at `watts` of a 700 W limit, SM clock `mhz` of 1980, with throttle reason bits `reasons`, one a
// second from `from_s`.
std::vector<TimedSample> Samples(int n, double watts, double mhz, std::uint64_t reasons, double from_s = 0) {
  std::vector<TimedSample> samples;
  for (int i = 0; i < n; ++i) {
    GpuSample s;
    s.temperature_c = 60 + i % 5;
    s.power_w = watts;
    s.sm_clock_mhz = mhz;
    s.power_limit_w = 700;
    s.sm_clock_max_mhz = 1980;
    s.throttle_reasons = reasons;
    samples.push_back({from_s + i, s});
  }
  return samples;
}

const Subject kGpu = Subject::Device("node1", "gpu0");
const CauseSeries kSeries = BurnCauseSeries();

std::vector<Measurement> Telemetry(const std::vector<TimedSample>& samples) {
  return BurnTelemetry(kGpu, samples, {}, 1.0);
}

TEST(BurnTelemetry, ReportsEverySeriesAndTheThrottleShares) {
  std::vector<TimedSample> samples = Samples(9, 695, 1560, 0x4);
  samples.push_back(Samples(1, 690, 1400, 0x4 | 0x8)[0]);
  std::vector<Measurement> ms = Telemetry(samples);
  std::map<std::string, double> values;
  for (const Measurement& m : ms) values[m.SeriesKey()] = m.value();
  EXPECT_EQ(values.at("gpu.stress.power_limit"), 700);
  EXPECT_EQ(values.at("gpu.stress.sm_clock_max"), 1980);
  EXPECT_EQ(values.at("gpu.stress.throttle_faults"), 1);  // the HW slowdown sample
  EXPECT_EQ(values.at("gpu.stress.throttle_share{reason=sw_power_cap}"), 100);
  EXPECT_EQ(values.at("gpu.stress.throttle_share{reason=hw_slowdown}"), 10);
  EXPECT_TRUE(Telemetry({}).empty());
}

TEST(TelemetryCause, APowerCappedGpuIsNotAFault) {
  std::string cause = TelemetryCause(kSeries, kGpu, "", Telemetry(Samples(20, 695, 1560, 0x4)));
  EXPECT_EQ(cause,
            "at the 700 W power limit in 100% of 20 samples (median 695 W), SM clock median 1560 of 1980 MHz, "
            "throttle reasons: SW power cap 100%, temperature max 64 C: power-limited, not a fault");
}

TEST(TelemetryCause, HardwareSlowdownPointsAtCooling) {
  std::string cause = TelemetryCause(kSeries, kGpu, "", Telemetry(Samples(10, 450, 1100, 0x8 | 0x40)));
  EXPECT_NE(cause.find("throttle reasons: HW slowdown 100%, HW thermal 100%"), std::string::npos) << cause;
  EXPECT_NE(cause.find("HW slowdown or thermal throttling in 100% of samples: check cooling and power delivery"),
            std::string::npos) << cause;
}

TEST(TelemetryCause, NoLimitExplainsALowNumberAtFullClock) {
  std::string cause = TelemetryCause(kSeries, kGpu, "", Telemetry(Samples(10, 300, 1980, 0)));
  EXPECT_NE(cause.find("no throttle reason"), std::string::npos) << cause;
  EXPECT_NE(cause.find("no power or thermal limit explains it: suspect the GPU"), std::string::npos) << cause;
  EXPECT_EQ(TelemetryCause(kSeries, Subject::Device("node1", "gpu1"), "", Telemetry(Samples(3, 300, 1980, 0))), "");
}

TEST(TelemetryCause, OnlyFailingOrWarningGemmVerdictsGetOne) {
  std::vector<Measurement> ms = Telemetry(Samples(5, 695, 1560, 0x4));
  Verdict fail{"gpu_stress", "gpu.stress.tflops", "gpu.stress.tflops{type=bf16}", kGpu, Outcome::kFail, "", "", "",
               std::nullopt, std::nullopt, "", std::nullopt, Outcome::kFail};
  Verdict pass = fail;
  pass.outcome = Outcome::kPass;
  Verdict hbm = fail;
  hbm.probe = "hbm_bandwidth";
  hbm.metric = "hbm.copy_bw";
  std::vector<Verdict> verdicts{fail, pass, hbm};
  AttachCauses(verdicts, ms, ProbeRegistry::Default().Catalog());
  EXPECT_NE(verdicts[0].cause.find("power-limited, not a fault"), std::string::npos);
  EXPECT_EQ(verdicts[1].cause, "");
  EXPECT_EQ(verdicts[2].cause, "");
}

TEST(BurnTelemetry, EachTypeGetsTheSamplesTakenWhileItRan) {
  std::vector<TimedSample> samples = Samples(5, 600, 1830, 0);
  for (TimedSample& s : Samples(5, 695, 1500, 0x4, 5)) samples.push_back(s);
  std::vector<Measurement> ms = BurnTelemetry(kGpu, samples, {{"fp32", 0, 5}, {"bf16", 5, 10}}, 1.0);
  std::map<std::string, const Measurement*> series;
  for (const Measurement& m : ms) series[m.SeriesKey()] = &m;
  EXPECT_EQ(series.at("gpu.stress.sm_clock")->samples.size(), 10u);  // the whole burn, as before
  EXPECT_EQ(series.at("gpu.stress.sm_clock{type=bf16}")->value(), 1500);
  EXPECT_EQ(series.at("gpu.stress.sm_clock{type=bf16}")->samples.size(), 5u);
  EXPECT_EQ(series.at("gpu.stress.sm_clock{type=fp32}")->value(), 1830);
  EXPECT_EQ(series.at("gpu.stress.throttle_share{reason=sw_power_cap,type=bf16}")->value(), 100);
  EXPECT_EQ(series.at("gpu.stress.throttle_share{reason=sw_power_cap,type=fp32}")->value(), 0);
  EXPECT_EQ(series.count("gpu.stress.power_limit{type=bf16}"), 0u);  // one limit for the whole burn
}

// The real H200 burn (bf16, fp16, tf32, fp32, fp64 for 15 s each): bf16 ran near 1500 MHz at the power limit,
// the whole burn's median clock is 1830 MHz. An edited copy records its samples per type (the board power drops
// below 550 W between types, which gives the windows) and has a slow bf16: the cause reads the bf16 samples.
TEST(CausesPerPhase, ASlowBf16OnTheRealH200ReadsTheClockWhileBf16Ran) {
  RunRecord record = RecordFromReport(LoadReport(testing::RealReportPath("h200-x1-deep.json")), "h200-x1-deep.json");
  const Subject gpu = Subject::Device(record.nodes.at(0).name, "gpu0");
  std::map<std::string, std::vector<double>> burn;
  for (const Measurement& m : record.measurements) {
    if (m.subject == gpu && m.labels.empty()) burn[m.metric] = m.samples;
  }
  const std::vector<double>& power = burn.at("gpu.stress.power");
  std::vector<TimedSample> samples;
  std::vector<double> dips;
  for (std::size_t i = 0; i < power.size(); ++i) {
    GpuSample s;
    s.power_w = power[i];
    s.sm_clock_mhz = burn.at("gpu.stress.sm_clock").at(i);
    s.temperature_c = burn.at("gpu.stress.temperature").at(i);
    samples.push_back({static_cast<double>(i), s});
    if (i > 0 && power[i] < 550) dips.push_back(static_cast<double>(i));
  }
  ASSERT_EQ(dips.size(), 4u);
  std::vector<TypeWindow> windows;
  const std::vector<std::string> types{"bf16", "fp16", "tf32", "fp32", "fp64"};
  for (std::size_t k = 0; k < types.size(); ++k) {
    windows.push_back({types[k], k == 0 ? 0.0 : dips[k - 1], k < dips.size() ? dips[k] : 1e9});
  }
  std::erase_if(record.measurements, [&](const Measurement& m) {
    return m.subject == gpu && m.metric.starts_with("gpu.stress.") && m.labels.empty() && m.metric != "gpu.stress.throttle_faults";
  });
  for (Measurement& m : BurnTelemetry(gpu, samples, windows, 1.0)) {
    if (m.metric != "gpu.stress.throttle_faults") record.measurements.push_back(std::move(m));
  }
  testing::ScaleSamples(record, "gpu.stress.tflops", "bf16", 0.7);

  std::vector<Verdict> verdicts = JudgeRecord(record, testing::NamedBaseline("h200-sxm-141gb"), ProbeRegistry::Default().Catalog());
  const Verdict* bf16 = nullptr;
  for (const Verdict& v : verdicts) {
    if (v.series == "gpu.stress.tflops{type=bf16}" && v.subject == gpu && IsFailure(v.outcome)) bf16 = &v;
  }
  ASSERT_NE(bf16, nullptr);
  EXPECT_EQ(bf16->cause.rfind("while bf16 ran, power median", 0), 0u) << bf16->cause;
  EXPECT_NE(bf16->cause.find("SM clock median 1515 of 1980 MHz (highest seen)"), std::string::npos) << bf16->cause;
  EXPECT_EQ(bf16->cause.find("1830"), std::string::npos) << bf16->cause;  // the whole burn's median
  EXPECT_NE(bf16->cause.find("likely power-limited"), std::string::npos) << bf16->cause;
}

}  // namespace
}  // namespace kiln
