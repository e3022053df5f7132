// The host's DRAM (node_exporter's EDAC counters): a DIMM whose correctable errors keep coming and grow is a node at
// risk; a patrol scrub's one burst, or a DIMM that has always logged a few errors a day, is not.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "predict/signal.hpp"
#include "tests/support/predict_lines.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kStart = 1767225600;
constexpr const char* kCorrectable = "node_edac_correctable_errors_total";

// A counter sampled every 30 minutes for `hours`, its increments per hour given by `rate` (hours since the start).
template <typename Rate>
void AddCounter(testing::PredictLines& lines, const std::string& metric, const std::string& labels, int hours,
                Rate rate) {
  double value = 0, owed = 0;
  for (std::int64_t half = 0; half <= 2 * hours; ++half) {
    owed += rate(static_cast<double>(half) / 2) / 2;
    double whole = std::floor(owed);
    value += whole;
    owed -= whole;
    lines.Add(kStart + half * kHour / 2, metric, labels, value);
  }
}

// Clean for six days, then a DIMM going bad: errors every hour, from 2 an hour to 40 over two days.
double Failing(double hour) {
  const double start = 144, span = 48;
  if (hour < start || hour > start + span) return 0;
  return 2 + 38 * std::pow((hour - start) / span, 1.5);
}

bool Any(const std::vector<Alert>& alerts, const std::string& rule) {
  for (const Alert& alert : alerts) {
    if (alert.rule == rule) return true;
  }
  return false;
}

TEST(PredictHostMemory, EdacCountersAreReadPerMemoryController) {
  EXPECT_EQ(SignalOf("node_edac_correctable_errors_total"), Signal::kHostMemoryCorrectable);
  EXPECT_EQ(SignalOf("node_edac_csrow_correctable_errors_total"), Signal::kHostMemoryCorrectable);
  EXPECT_EQ(SignalOf("node_edac_uncorrectable_errors_total"), Signal::kHostMemoryUncorrectable);
  EXPECT_TRUE(IsCounter(Signal::kHostMemoryCorrectable));
  EXPECT_TRUE(IsIdentifyingLabel(Signal::kHostMemoryCorrectable, "controller"));
  EXPECT_TRUE(IsIdentifyingLabel(Signal::kHostMemoryCorrectable, "csrow"));
  EXPECT_FALSE(IsIdentifyingLabel(Signal::kEccCorrectable, "controller"));
}

TEST(PredictHostMemory, ADimmWhoseCorrectableErrorsKeepComingIsANodeAtRisk) {
  testing::PredictLines lines;
  AddCounter(lines, kCorrectable, R"({"controller": "0", "csrow": "2"})", 240, Failing);
  AddCounter(lines, kCorrectable, R"({"controller": "1", "csrow": "0"})", 240, [](double) { return 0.0; });
  std::vector<Alert> alerts = lines.Alerts();
  ASSERT_FALSE(alerts.empty());
  EXPECT_TRUE(Any(alerts, "host_memory"));
  for (const Alert& alert : alerts) {
    EXPECT_EQ(alert.risk, "node") << alert.reason;
    EXPECT_EQ(alert.device, "controller=0,csrow=2") << alert.reason;
  }
  EXPECT_GE(alerts.front().t, kStart + 144 * kHour);
  EXPECT_LE(alerts.front().t, kStart + 168 * kHour);  // within a day of the first errors, a day before the end
}

TEST(PredictHostMemory, AScrubbersOneBurstIsNoDimmGoingBad) {
  testing::PredictLines lines;
  AddCounter(lines, kCorrectable, R"({"controller": "0"})", 240,
             [](double hour) { return hour >= 150 && hour < 150.5 ? 1200.0 : 0.0; });
  EXPECT_TRUE(lines.Alerts().empty());
}

TEST(PredictHostMemory, ADimmThatAlwaysLoggedAFewErrorsADayIsItsHabit) {
  testing::PredictLines lines;
  // Three errors every eight hours, all along: a steady trickle, however many windows it touches.
  AddCounter(lines, kCorrectable, R"({"controller": "0"})", 240,
             [](double hour) { return std::fmod(hour, 8.0) < 0.5 ? 6.0 : 0.0; });
  EXPECT_TRUE(lines.Alerts().empty());
}

TEST(PredictHostMemory, UncorrectableErrorsAgainAndAgainAlert) {
  testing::PredictLines lines;
  AddCounter(lines, "node_edac_uncorrectable_errors_total", R"({"controller": "0"})", 240,
             [](double hour) { return hour >= 100 && std::fmod(hour, 5.0) < 0.5 ? 2.0 : 0.0; });
  std::vector<Alert> alerts = lines.Alerts();
  ASSERT_FALSE(alerts.empty());
  EXPECT_TRUE(Any(alerts, "host_memory_uncorrectable"));
  EXPECT_EQ(alerts.front().risk, "node");
}

}  // namespace
}  // namespace kiln::predict
