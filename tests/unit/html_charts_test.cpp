// The report's charts: axes people can read, one line per collective with a legend, every bound and reference
// drawn where the rule put it, and the burn's telemetry as a course over time.

#include "reports/html_charts.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include <regex>

namespace kiln {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Verdict RuleVerdict(const Measurement& m, Outcome outcome, double threshold, Outcome severity,
                    std::optional<double> reference = std::nullopt) {
  Verdict v;
  v.probe = m.probe;
  v.metric = m.metric;
  v.series = m.SeriesKey();
  v.subject = m.subject;
  v.outcome = outcome;
  v.threshold = threshold;
  v.severity = severity;
  v.reference = reference;
  return v;
}

TEST(ValueAxis, LinearFromZeroWithRoundTicksOrDecadesWhenValuesSpanOrdersOfMagnitude) {
  ValueAxis linear = MakeValueAxis(3981, 3981);
  EXPECT_FALSE(linear.log);
  EXPECT_EQ(linear.ticks, (std::vector<double>{0, 1000, 2000, 3000, 4000, 5000}));
  EXPECT_DOUBLE_EQ(linear.Fraction(2500), 0.5);
  EXPECT_DOUBLE_EQ(linear.Fraction(-1), 0);

  ValueAxis log = MakeValueAxis(0.0003, 2500);  // NCCL busbw from 8 B to 4 GiB
  EXPECT_TRUE(log.log);
  EXPECT_EQ(log.ticks, (std::vector<double>{1e-4, 1e-2, 1, 1e2, 1e4}));  // every other decade once there are many
  EXPECT_DOUBLE_EQ(log.Fraction(1), 0.5);
  EXPECT_DOUBLE_EQ(log.Fraction(0), 0);  // a zero sits on the bottom edge

  EXPECT_FALSE(MakeValueAxis(40, 3000).log);  // under a factor of 100: linear
  EXPECT_EQ(MakeValueAxis(0, 0).ticks.size(), 0u);
}

TEST(FormatTick, ReadableWithoutExponents) {
  EXPECT_EQ(FormatTick(2510), "2510");
  EXPECT_EQ(FormatTick(12345), "12.3k");
  EXPECT_EQ(FormatTick(4.2e9), "4.2G");
  EXPECT_EQ(FormatTick(0.012), "0.012");
  EXPECT_EQ(FormatTick(0), "0");
  for (double v : {2.51e3, 6.8e2, 1e6, 3e-2}) EXPECT_EQ(FormatTick(v).find("e+"), std::string::npos) << v;
}

TEST(CollectJudgements, KeepsFailAndWarnBoundsAndReferencesApart) {
  Measurement m = MakeMeasurement("hbm_bandwidth", "hbm.copy_bw", "GB/s", Subject::Device("n1", "gpu0"), {3981}, true, "m");
  Judgements j = CollectJudgements({RuleVerdict(m, Outcome::kPass, 2325, Outcome::kFail),
                                    RuleVerdict(m, Outcome::kWarn, 3841, Outcome::kWarn, 4268),
                                    RuleVerdict(m, Outcome::kPass, 2325, Outcome::kFail)});
  const Judgement& got = j.at({m.SeriesKey(), m.subject.Key()});
  EXPECT_EQ(got.worst, Outcome::kWarn);
  EXPECT_EQ(got.marks.fail_bounds, std::vector<double>{2325});  // once, though two rules held it there
  EXPECT_EQ(got.marks.warn_bounds, std::vector<double>{3841});
  EXPECT_EQ(got.marks.references, std::vector<double>{4268});
}

TEST(BarChart, EachRowCarriesItsOwnBoundsAndTheLegendNamesThem) {
  Measurement fp64 = MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", Subject::Device("n1", "gpu0"), {60}, true,
                                     "m", {{"type", "fp64"}});
  Measurement bf16 = MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", Subject::Device("n1", "gpu0"), {681},
                                     true, "m", {{"type", "bf16"}});
  Judgements j = CollectJudgements({RuleVerdict(fp64, Outcome::kPass, 29.25, Outcome::kFail),
                                    RuleVerdict(bf16, Outcome::kFail, 692.3, Outcome::kFail, 989)});
  std::string svg = BarChart("gpu.stress.tflops", {{"fp64", fp64}, {"bf16", bf16}}, j);
  EXPECT_EQ(Count(svg, "stroke=\"#cf222e\" stroke-width=\"2\" stroke-dasharray"), 2) << svg;  // a floor per row
  EXPECT_NE(svg.find("fail bound 692.3 TFLOPS"), std::string::npos);
  EXPECT_NE(svg.find("reference 989 TFLOPS"), std::string::npos);
  EXPECT_NE(svg.find(">reference</text>"), std::string::npos);  // in the legend
  EXPECT_EQ(svg.find(">warn bound</text>"), std::string::npos);  // no warn rule: no warn entry
  // The scale fits the reference: the bf16 bar (681) ends short of the end of the axis.
  EXPECT_NE(svg.find(">1000</text>"), std::string::npos) << svg;
}

std::vector<Measurement> Sweep(const std::string& collective, std::vector<double> busbw) {
  std::vector<Measurement> ms;
  const char* sizes[] = {"8B", "1MiB", "4GiB"};
  for (std::size_t i = 0; i < busbw.size(); ++i) {
    ms.push_back(MakeMeasurement("nccl", "nccl.busbw", "GB/s", Subject::Group({"n1"}), {busbw[i]}, true, "m",
                                 {{"collective", collective}, {"size", sizes[i]}}));
  }
  return ms;
}

TEST(SizeChart, OneLinePerCollectiveWithALegendAndLogAxes) {
  std::vector<Measurement> ms = Sweep("all_reduce", {0.0003, 120, 2500});
  for (Measurement& m : Sweep("all_gather", {0.0002, 90, 1900})) ms.push_back(m);
  Judgements j = CollectJudgements({RuleVerdict(ms[2], Outcome::kPass, 2000, Outcome::kFail)});
  std::string svg = SizeChart("nccl.busbw", ms, j);
  EXPECT_EQ(Count(svg, "<path "), 2) << svg;  // not one zig-zag through both
  EXPECT_NE(svg.find(">all_reduce</text>"), std::string::npos);
  EXPECT_NE(svg.find(">all_gather</text>"), std::string::npos);
  EXPECT_NE(svg.find("values on a log scale"), std::string::npos);
  EXPECT_NE(svg.find(">4GiB</text>"), std::string::npos);
  EXPECT_NE(svg.find("all_reduce 4GiB: fail bound 2000 GB/s"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("e+0"), std::string::npos);

  EXPECT_EQ(SizeChart("nccl.busbw", Sweep("all_reduce", {1}), j), "");  // one size: no curve to draw
  std::vector<Measurement> crowded;
  for (int i = 0; i < 13; ++i) {
    for (Measurement& m : Sweep(fmt::format("c{}", i), {1, 2})) crowded.push_back(m);
  }
  EXPECT_EQ(SizeChart("x", crowded, j), "");  // more lines than a legend can name
}

TEST(TimeSeriesChart, DrawsEverySampleAgainstSecondsAndTheBounds) {
  std::vector<double> power;
  for (int i = 0; i < 20; ++i) power.push_back(i == 0 ? 330 : 690 + i % 3);
  Measurement m = MakeMeasurement("gpu_stress", "gpu.stress.power", "W", Subject::Device("n1", "gpu0"), power, true,
                                  "NVML every 1s during the burn");
  EXPECT_TRUE(IsTimeSeries(m));
  Judgements j = CollectJudgements({RuleVerdict(m, Outcome::kPass, 400, Outcome::kWarn)});
  std::string svg = TimeSeriesChart("gpu.stress.power", {m}, j);
  std::smatch path;
  std::string copy = svg;
  ASSERT_TRUE(std::regex_search(copy, path, std::regex("<path d=\"([^\"]*)\"")));
  EXPECT_EQ(Count(path[1].str(), "L") + 1, 20);  // every sample, not a median
  EXPECT_NE(svg.find(">15s</text>"), std::string::npos) << svg;  // seconds, from the method's interval
  EXPECT_NE(svg.find(">20s</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("warn bound 400 W"), std::string::npos);

  Measurement few = MakeMeasurement("gpu_stress", "gpu.stress.power", "W", Subject::Device("n1", "gpu0"), {1, 2, 3}, true,
                                    "NVML every 1s during the burn");
  Measurement untimed = MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node("n1"), power, true,
                                        "20 passes");
  EXPECT_FALSE(IsTimeSeries(few));
  EXPECT_FALSE(IsTimeSeries(untimed));
  EXPECT_EQ(TimeSeriesChart("x", {few, untimed}, j), "");
}

}  // namespace
}  // namespace kiln
