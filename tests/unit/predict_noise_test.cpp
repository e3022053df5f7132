// Confounders that fooled the rules at four times the usual noise (bench/predict_eval.sh, docs/predict.md): a
// remap's burst of correctable errors on a GPU with a chronic trickle, and two cable reseats hours apart. Each must
// stay quiet, while the precursors they resemble still alert.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "predict/persistence.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

// A counter fed hourly from `increments` (hour offset -> increment), from kStart.
CounterState Counter(const std::vector<std::pair<int, double>>& increments) {
  CounterState counter;
  counter.Update(kStart, 0);
  double value = 0;
  for (const auto& [hour, increment] : increments) {
    value += increment;
    counter.Update(kStart + hour * kHour + 60, value);
  }
  return counter;
}

TEST(PredictNoise, AWindowsLargestHourDoesNotMakeItActive) {
  PredictorOptions options;
  // Four days of a trickle (2 errors every 9 h), then a remap's burst of 25 and the trickle's next 2 and 2.
  std::vector<std::pair<int, double>> trickle;
  for (int h = 0; h < 96; h += 9) trickle.push_back({h, 2});
  trickle.push_back({100, 25});
  trickle.push_back({101, 2});
  trickle.push_back({108, 9});
  CounterState noisy = Counter(trickle);
  PersistenceRule old_rule = options.ecc;
  old_rule.drop_largest_hour = false;
  EXPECT_TRUE(Measure(noisy, HourOf(kStart) + 110, old_rule).Holds(old_rule)) << "the burst fooled the rule before";
  EXPECT_FALSE(Measure(noisy, HourOf(kStart) + 110, options.ecc).Holds(options.ecc));
  // The HBM precursor: errors that keep coming, hour after hour.
  std::vector<std::pair<int, double>> growing = trickle;
  growing.resize(growing.size() - 3);
  for (int h = 96; h <= 110; ++h) growing.push_back({h, 1 + (h - 96) / 4});
  EXPECT_TRUE(Measure(Counter(growing), HourOf(kStart) + 110, options.ecc).Holds(options.ecc));
}

std::string Line(std::int64_t t, const std::string& metric, double value) {
  return fmt::format(R"({{"t": {}, "node": "gn01", "metric": "{}", "labels": {{"device": "mlx5_0", "port": "1"}}, )"
                     R"("value": {}}})",
                     t, metric, value);
}

// Four days of a port's counters: `events` (hour -> symbol errors, link downs), a keep-alive sample every hour.
std::vector<Alert> PortAlerts(const std::vector<std::tuple<int, double, double>>& events) {
  Replay replay;
  double symbols = 0, downs = 0;
  int line = 0;
  for (int hour = 0; hour < 4 * 24; ++hour) {
    for (const auto& [at, add_symbols, add_downs] : events) {
      if (at == hour) symbols += add_symbols, downs += add_downs;
    }
    std::int64_t t = kStart + hour * kHour + 120;
    replay.AddLine(Line(t, "node_infiniband_symbol_error_total", symbols), "port", ++line);
    replay.AddLine(Line(t, "node_infiniband_link_downed_total", downs), "port", ++line);
  }
  replay.Sort();
  return Predict(replay);
}

TEST(PredictNoise, TwoCableReseatsHoursApartAreNoDyingLink) {
  // Each reseat: the link down once and a burst of symbol errors within the hour; 9 h apart on day 3.
  std::vector<Alert> alerts = PortAlerts({{60, 800, 1}, {69, 1500, 1}});
  for (const Alert& alert : alerts) ADD_FAILURE() << alert.rule << " at +" << (alert.t - kStart) / kHour << " h: " << alert.reason;
}

TEST(PredictNoise, ADyingLinkStillAlertsWithItsFlaps) {
  // From day 2: symbol errors every hour, growing, and the link down twice.
  std::vector<std::tuple<int, double, double>> events;
  for (int hour = 48; hour < 96; ++hour) events.push_back({hour, 10.0 + hour - 48, hour == 70 || hour == 84 ? 1 : 0});
  std::vector<Alert> alerts = PortAlerts(events);
  bool symbol = false, flap = false;
  for (const Alert& alert : alerts) symbol |= alert.rule == "ib_symbol", flap |= alert.rule == "ib_flap";
  EXPECT_TRUE(symbol);
  EXPECT_TRUE(flap);
}

}  // namespace
}  // namespace kiln::predict
