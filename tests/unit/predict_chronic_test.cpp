// Chronic benign series that vary more than a Poisson count: a port whose symbol errors run at a rate that wanders
// from day to day, a GPU whose correctable errors come in lumps. A third fleet generator's wrong episodes were mostly
// these: judged against their mean with Poisson deviations, a busy day looked like a dying link. Each series is now
// judged against its own spread (CounterState::Dispersion), and a fault on top of it still stands out.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "predict/counter_state.hpp"
#include "predict/persistence.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kStart = 1767225600;

// A Poisson count from the generator's raw output (the same on every standard library).
class Counts {
 public:
  explicit Counts(unsigned seed) : generator_(seed) {}
  double Poisson(double mean) {
    double limit = std::exp(-mean), product = Uniform();
    int count = 0;
    while (product > limit) product *= Uniform(), ++count;
    return count;
  }
  double Uniform() { return (static_cast<double>(generator_()) + 0.5) / 4294967296.0; }

 private:
  std::mt19937 generator_;
};

// An hourly counter series: hour -> increment.
using Hourly = std::vector<double>;

Hourly PoissonTrickle(int hours, double per_hour, unsigned seed) {
  Counts counts(seed);
  Hourly series(static_cast<std::size_t>(hours));
  for (double& increment : series) increment = counts.Poisson(per_hour);
  return series;
}

// A chronic port: each day's rate drawn anew, from `low` to `high` an hour (log-uniform), Poisson within the day.
Hourly WanderingTrickle(int hours, unsigned seed, double low = 1, double high = 6) {
  Counts counts(seed);
  Hourly series(static_cast<std::size_t>(hours));
  double rate = 0;
  for (int h = 0; h < hours; ++h) {
    if (h % 24 == 0) rate = low * std::pow(high / low, counts.Uniform());
    series[static_cast<std::size_t>(h)] = counts.Poisson(rate);
  }
  return series;
}

CounterState Counter(const Hourly& series) {
  CounterState counter;
  counter.Update(kStart, 0);
  double value = 0;
  for (std::size_t h = 0; h < series.size(); ++h) {
    value += series[h];
    counter.Update(kStart + static_cast<std::int64_t>(h) * kHour + 600, value);
  }
  return counter;
}

// One counter of node gn01, sampled every hour, beside the node's heartbeat (a temperature, sampled every scrape:
// a counter that does not change may not be exported, and a node without any sample looks down).
std::vector<Alert> Alerts(const std::string& metric, const std::string& labels, const Hourly& increments,
                          const PredictorOptions& options = {}, double first_value = 0) {
  Replay replay;
  double value = first_value;
  int line = 0;
  for (std::size_t h = 0; h < increments.size(); ++h) {
    value += increments[h];
    std::int64_t t = kStart + static_cast<std::int64_t>(h) * kHour;
    replay.AddLine(fmt::format(R"({{"t": {}, "node": "gn01", "metric": "{}", "labels": {}, "value": {}}})", t + 120,
                               metric, labels, value),
                   "case", ++line);
    replay.AddLine(fmt::format(R"({{"t": {}, "node": "gn01", "metric": "DCGM_FI_DEV_GPU_TEMP", )"
                               R"("labels": {{"gpu": "0"}}, "value": 60}})",
                               t + 1800),
                   "case", ++line);
  }
  replay.Sort();
  return Predict(replay, options);
}

std::vector<Alert> PortAlerts(const Hourly& symbols, const PredictorOptions& options = {}) {
  return Alerts("node_infiniband_symbol_error_total", R"({"device": "mlx5_0", "port": "1"})", symbols, options);
}

std::vector<Alert> GpuAlerts(const Hourly& correctable) {
  return Alerts("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", R"({"gpu": "0"})", correctable);
}

TEST(PredictChronic, APoissonTrickleVariesLikeOne) {
  CounterState counter = Counter(PoissonTrickle(24 * 12, 3, 7));
  double dispersion = counter.Dispersion(HourOf(kStart) + 24 * 12 - 18);
  EXPECT_GE(dispersion, 1.0);
  EXPECT_LT(dispersion, 2.0);
}

TEST(PredictChronic, OneBurstIsNoHabit) {
  Hourly series = PoissonTrickle(24 * 12, 3, 11);
  series[24 * 6] += 900;  // a cable reseat, a week before the windows
  EXPECT_LT(Counter(series).Dispersion(HourOf(kStart) + 24 * 12 - 18), 2.0);
}

TEST(PredictChronic, ARateThatWandersFromDayToDayIsItsOwnSpread) {
  CounterState counter = Counter(WanderingTrickle(24 * 16, 3, 0.5, 12));
  EXPECT_GT(counter.Dispersion(HourOf(kStart) + 24 * 16 - 18), 4.0);
  // Too little of its past to tell (one day): the prior.
  EXPECT_DOUBLE_EQ(counter.Dispersion(HourOf(kStart) + 24), 2.0);
}

TEST(PredictChronic, AWanderingChronicPortIsNoDyingLink) {
  PredictorOptions options;
  int busy_days = 0;
  for (unsigned seed = 1; seed <= 6; ++seed) {
    Hourly symbols = WanderingTrickle(24 * 24, seed);
    // The case is hard: judged with Poisson deviations, some 18 h of it would hold the symbol errors' persistence.
    CounterState counter = Counter(symbols);
    int busy = 0;
    for (int h = 24 * 8; h < 24 * 24; h += 6) {
      Persistence p = Measure(counter, HourOf(kStart) + h, options.ib_symbol);
      double usual = p.usual_per_window;
      int above = 0;
      for (int k = 0; k < 3; ++k) {
        double sum = 0;
        for (int i = 0; i < 6; ++i) sum += symbols[static_cast<std::size_t>(h - 6 * k - i)];
        above += sum >= std::max(30.0, usual + 4 * std::sqrt(usual)) ? 1 : 0;
      }
      busy += above >= 2 ? 1 : 0;
    }
    busy_days += busy;
    for (const Alert& alert : PortAlerts(symbols)) {
      ADD_FAILURE() << "seed " << seed << ": " << alert.rule << " at +" << (alert.t - kStart) / kHour
                    << " h: " << alert.reason;
    }
  }
  EXPECT_GE(busy_days, 6) << "too few busy days to test the rule";
}

TEST(PredictChronic, ADyingLinkOnAWanderingPortStillAlerts) {
  Hourly symbols = WanderingTrickle(24 * 24, 4);
  // From day 18: errors growing hour after hour, to ten times the busiest day's rate.
  for (int h = 24 * 18; h < 24 * 24; ++h) symbols[static_cast<std::size_t>(h)] += 2.0 * (h - 24 * 18);
  bool symbol = false;
  for (const Alert& alert : PortAlerts(symbols)) symbol |= alert.rule == "ib_symbol";
  EXPECT_TRUE(symbol);
}

// A GPU whose correctable errors come in lumps of 15 to 40 every 6 to 16 hours, from before the replay began.
Hourly LumpyChronic(int hours, unsigned seed) {
  Counts counts(seed);
  Hourly series(static_cast<std::size_t>(hours));
  for (double h = 3; h < hours; h += 6 + 10 * counts.Uniform()) {
    series[static_cast<std::size_t>(h)] += 15 + std::floor(25 * counts.Uniform());
  }
  return series;
}

TEST(PredictChronic, ALumpyChronicGpuHasNoPatternOfBursts) {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    for (const Alert& alert : GpuAlerts(LumpyChronic(24 * 24, seed))) {
      ADD_FAILURE() << "seed " << seed << ": " << alert.rule << " at +" << (alert.t - kStart) / kHour
                    << " h: " << alert.reason;
    }
  }
}

// A fault on a lumpy chronic GPU: from day 16, correctable errors that keep growing, to 60 an hour by day 24. Three
// bursts of 400 days apart on the same GPU no longer alert: on a chronic series such bursts are its bad days (a third
// generator's fleets: exempting bursts five times the busiest 6 h caught one precursor more over 18 fleets and made
// a third more wrong episodes).
TEST(PredictChronic, AFaultGrowingOnALumpyGpuStillAlerts) {
  Hourly correctable = LumpyChronic(24 * 24, 2);
  Counts counts(5);
  for (int h = 24 * 16; h < 24 * 24; ++h) {
    correctable[static_cast<std::size_t>(h)] += counts.Poisson(60.0 * (h - 24 * 16) / (24 * 8));
  }
  EXPECT_FALSE(GpuAlerts(correctable).empty());
}

// Bad days: a chronic port (1 to 6 errors an hour, a new rate each day) with two days at fifteen times its rate.
// Each bad day is more than its spread allows, and bursts come with it; but it is one day, and a chronic series is
// judged by what it outgrows: six 6-h windows running, each twice its busiest 6 h of the past two weeks.
TEST(PredictChronic, ABadDayOnAChronicPortIsItsHabit) {
  PredictorOptions no_habit;  // every series judged as if it had no habit (the rules before)
  no_habit.chronic_windows = 0;
  int alerted_without = 0;
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Hourly symbols = WanderingTrickle(24 * 24, seed);
    for (int day : {9, 17}) {
      for (int h = 24 * day + 5; h < 24 * day + 29; ++h) symbols[static_cast<std::size_t>(h)] *= 15;
    }
    for (const Alert& alert : PortAlerts(symbols)) {
      ADD_FAILURE() << "seed " << seed << ": " << alert.rule << " at +" << (alert.t - kStart) / kHour
                    << " h: " << alert.reason;
    }
    alerted_without += PortAlerts(symbols, no_habit).empty() ? 0 : 1;
  }
  EXPECT_GE(alerted_without, 3) << "the bad days must be hard: they fooled the rules without the habit";
}

// A port whose errors come on one day in three (1 to 6 an hour on those days) has bad days as well: two days at
// fifteen times its rate. Chronic once it had increments on a quarter of its days; on half of them (the rule before),
// its bad days were dying links.
TEST(PredictChronic, APortThatErrsOnSomeDaysHasBadDaysToo) {
  PredictorOptions half;
  half.chronic_share = 0.5;
  int alerted_before = 0;
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Hourly symbols = WanderingTrickle(24 * 24, seed);
    for (int day = 0; day < 24; ++day) {
      double times = day % 3 != 0 ? 0 : day == 15 || day == 21 ? 15 : 1;
      for (int h = 24 * day; h < 24 * day + 24; ++h) symbols[static_cast<std::size_t>(h)] *= times;
    }
    for (const Alert& alert : PortAlerts(symbols)) {
      ADD_FAILURE() << "seed " << seed << ": " << alert.rule << " at +" << (alert.t - kStart) / kHour
                    << " h: " << alert.reason;
    }
    alerted_before += PortAlerts(symbols, half).empty() ? 0 : 1;
  }
  EXPECT_GE(alerted_before, 3) << "the bad days must be hard: they fooled the rule before";
}

// InfiniBand's symbol error counter is 16 bits and stops at 65535. A chronic port that reached it counts nothing
// for days, then a reboot resets it and its errors come back: that is its habit resuming, not errors beginning
// after a clean stretch. The same series stuck one below the ceiling is a clean stretch, and the onset rule fires
// (judged as before chronic_share: its three busy days of nine would make it chronic, and hide what is tested here).
TEST(PredictChronic, ACounterStuckAtItsCeilingHadNoCleanStretch) {
  PredictorOptions half;
  half.chronic_share = 0.5;
  for (double ceiling : {65535.0, 65534.0}) {
    Counts counts(3);
    Hourly symbols(24 * 16);
    double value = 65400;  // the ceiling on day 3
    for (int h = 0; h < 24 * 16; ++h) {
      double errors = counts.Poisson(2);
      if (h < 24 * 9) {  // counting up to the ceiling and standing there (a value that no longer changes)
        symbols[static_cast<std::size_t>(h)] = std::min(errors, ceiling - value);
        value += symbols[static_cast<std::size_t>(h)];
      } else if (h == 24 * 9) {
        symbols[static_cast<std::size_t>(h)] = -value;  // the reboot: back to 0
      } else {
        symbols[static_cast<std::size_t>(h)] = errors;
      }
    }
    std::set<std::string> rules;
    for (const Alert& alert : Alerts("node_infiniband_symbol_error_total", R"({"device": "mlx5_0", "port": "1"})",
                                     symbols, half, 65400)) {
      rules.insert(alert.rule);
    }
    if (ceiling == 65535.0) {
      EXPECT_EQ(rules, std::set<std::string>{});
    } else {
      EXPECT_TRUE(rules.count("onset")) << "the case must be hard";
    }
  }
}

}  // namespace
}  // namespace kiln::predict
