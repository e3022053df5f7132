// Confounders an independent fleet generator found (/work/adv/predict/REPORT.md, findings 1-3, 8 and 9), each built
// from its minimal replay: an idle node must not make a cool GPU look hot, a series active since the replay began is
// usual rather than new, a reset must not erase a chronic series' usual rate, XID 63 (a row remap recorded) is no fault
// of its own, and the order of the lines never picks the evidence's metric. And two of a third generator's
// (bench/predict_fleet_holdout.py): a job on a few GPUs, and a GPU whose offset from its peers swings with its jobs or
// grows with their load; and a fourth's (bench/predict_fleet_fourth.py): a job that loads some GPUs harder.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "predict/counter_state.hpp"
#include "predict/persistence.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"
#include "tests/support/predict_lines.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

using Lines = testing::PredictLines;

std::set<std::string> Rules(const std::vector<Alert>& alerts) {
  std::set<std::string> rules;
  for (const Alert& alert : alerts) rules.insert(alert.rule + " " + alert.device);
  return rules;
}

// cases/cooling_idle_window.jsonl: one node's 8 GPUs every 30 min for 11 days, jobs of 20 h and idle gaps of 7 h. GPU 3
// runs 7 C below its node's median under load; idle, every GPU sits at 29-35 C. `hot_gpu` drifts up under load by 0.15
// C an hour from day 5 (a failing fan).
std::vector<Alert> CoolingNode(int hot_gpu) {
  Lines lines;
  const double gain[8] = {38, 37, 39, 31, 38, 40, 37, 39};
  for (std::int64_t t = kStart; t < kStart + 11 * kDay; t += 1800) {
    bool busy = (t - kStart) % (27 * kHour) < 20 * kHour;
    for (int g = 0; g < 8; ++g) {
      double wobble = static_cast<double>((t / 1800 * 7 + g * 13) % 3) - 1;
      double temperature = 30 + g % 5 + wobble + (busy ? gain[g] - g % 5 : 0);
      if (g == hot_gpu && busy && t > kStart + 5 * kDay)
        temperature += static_cast<double>(t - kStart - 5 * kDay) / kHour * 0.15;
      lines.Add(t, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), temperature);
    }
  }
  return lines.Alerts();
}

TEST(PredictCooling, AnIdleNodeDoesNotMakeACoolGpuLookHot) {
  EXPECT_EQ(Rules(CoolingNode(-1)), std::set<std::string>{});
}

TEST(PredictCooling, AGpuGrowingHotterThanItsPeersUnderLoadStillAlerts) {
  std::vector<Alert> alerts = CoolingNode(3);  // the cool GPU itself: it ends up hotter than its peers
  EXPECT_EQ(Rules(alerts), std::set<std::string>{"cooling gpu=3"});
  ASSERT_FALSE(alerts.empty());
  EXPECT_GT(alerts.front().evidence["above_busy_median"].get<double>(), 3.0) << alerts.front().reason;
}

// A third generator's shared nodes: a job on 3 of a node's 8 GPUs, its first GPU 10 C hotter than the other two
// (a heavier share of the job), for three days after five days of whole-node jobs where all 8 ran alike.
std::vector<Alert> SmallJob(const PredictorOptions& options) {
  Lines lines;
  for (std::int64_t t = kStart; t < kStart + 8 * kDay; t += 1800) {
    bool small = t >= kStart + 5 * kDay;
    for (int g = 0; g < 8; ++g) {
      double wobble = static_cast<double>((t / 1800 * 7 + g * 13) % 3) - 1;
      double load = small ? (g == 0 ? 48 : g < 3 ? 38 : 0) : 38;
      lines.Add(t, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), 30 + load + wobble);
    }
  }
  return lines.Alerts(options);
}

TEST(PredictCooling, AJobOnAFewGpusIsNoReferenceForTheirOffsets) {
  EXPECT_EQ(Rules(SmallJob({})), std::set<std::string>{});
  PredictorOptions any_busy;  // judged whenever three GPUs are busy (the rule before): GPU 0 looks hot
  any_busy.min_busy_share = 0;
  EXPECT_EQ(Rules(SmallJob(any_busy)), std::set<std::string>{"cooling gpu=0"});
}

// A GPU whose share of the load differs from job to job (a third generator's `gpu-load-offset`): 8 C hotter than
// its peers in every other job of 40 h, level with them in the others, for 16 days. Its usual offset (the CUSUM's
// level) sits between the two, and each hot job looks like a drift; its offsets' habit says it is not.
std::vector<Alert> SwingingGpu(const PredictorOptions& options) {
  Lines lines;
  for (std::int64_t t = kStart; t < kStart + 16 * kDay; t += 1800) {
    std::int64_t job = (t - kStart) / (47 * kHour);
    bool busy = (t - kStart) % (47 * kHour) < 40 * kHour;
    for (int g = 0; g < 8; ++g) {
      double wobble = static_cast<double>((t / 1800 * 7 + g * 13) % 3) - 1;
      double load = busy ? 38 + (g == 0 && job % 2 == 1 ? 8 : 0) : 0;
      lines.Add(t, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), 30 + load + wobble);
    }
  }
  return lines.Alerts(options);
}

int AlertsAfterItsFirstSwing(const PredictorOptions& options) {
  int after = 0;
  for (const Alert& alert : SwingingGpu(options)) after += alert.t >= kStart + 4 * kDay ? 1 : 0;
  return after;
}

TEST(PredictCooling, AGpuWhoseOffsetSwingsWithItsJobsIsItsHabit) {
  EXPECT_EQ(AlertsAfterItsFirstSwing({}), 0);
  // Its first hot job comes before 72 of its hours were judged: no habit yet, so no alert. Judged by a habit of
  // whatever was seen before it (or, as before, by none at all), it alerts there.
  EXPECT_EQ(Rules(SwingingGpu({})), std::set<std::string>{});
  PredictorOptions early;
  early.offset_min_habit_hours = 1;
  EXPECT_EQ(Rules(SwingingGpu(early)), std::set<std::string>{"cooling gpu=0"});
  PredictorOptions no_habit;  // the CUSUM alone (the rule before): every hot job alerts again
  no_habit.min_above_habit = -1000;
  EXPECT_GE(AlertsAfterItsFirstSwing(no_habit), 10);
}

// A GPU that heats faster under load than its peers (a third generator's `gpu-load-offset`): 30 C idle like them, and
// at load 18 C a unit of load hotter (56 against 38). Jobs of 40 h at loads 0.5, 0.6 and 0.7 for ten days, then one
// at full load: its offset (18 C) is beyond every offset it had (9-12.6 C), and just what its peers' temperature
// says it should be.
std::vector<Alert> FasterUnderLoad(const PredictorOptions& options) {
  Lines lines;
  const double loads[] = {0.5, 0.6, 0.7};
  for (std::int64_t t = kStart; t < kStart + 13 * kDay; t += 1800) {
    std::int64_t job = (t - kStart) / (47 * kHour);
    bool busy = (t - kStart) % (47 * kHour) < 40 * kHour;
    double load = !busy ? 0 : t >= kStart + 235 * kHour ? 1.0 : loads[job % 3];
    for (int g = 0; g < 8; ++g) {
      double wobble = static_cast<double>((t / 1800 * 7 + g * 13) % 3) - 1;
      double temperature = 30 + load * (g == 0 ? 56 : 38) + wobble;
      lines.Add(t, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), temperature);
    }
  }
  return lines.Alerts(options);
}

TEST(PredictCooling, AGpuThatHeatsFasterUnderLoadIsItsHabitAtAnyLoad) {
  EXPECT_EQ(Rules(FasterUnderLoad({})), std::set<std::string>{});
  PredictorOptions level;  // the habit a level (its offsets' 90th percentile, the rule before): the full load alerts
  level.offset_follows_peers = false;
  EXPECT_EQ(Rules(FasterUnderLoad(level)), std::set<std::string>{"cooling gpu=0"});
}

// A job that loads some of a node's GPUs harder than the others (a fourth generator's `uneven_job_heat`): after ten
// days of whole-node jobs where all 8 ran alike, `hot` GPUs run 9 C hotter for 30 h. One GPU alone is a cooling
// fault's shape; three at once are the job's.
std::vector<Alert> UnevenJob(int hot) {
  Lines lines;
  const std::int64_t from = kStart + 10 * kDay, to = from + 30 * kHour;
  for (std::int64_t t = kStart; t < kStart + 12 * kDay; t += 1800) {
    for (int g = 0; g < 8; ++g) {
      double wobble = static_cast<double>((t / 1800 * 7 + g * 13) % 3) - 1;
      double extra = g < hot && t >= from && t < to ? 9 : 0;
      lines.Add(t, "DCGM_FI_DEV_GPU_TEMP", fmt::format(R"({{"gpu": "{}"}})", g), 68 + wobble + extra);
    }
  }
  return lines.Alerts();
}

TEST(PredictCooling, SeveralGpusBeyondTheirHabitsAtOnceAreTheirJob) {
  EXPECT_EQ(Rules(UnevenJob(3)), std::set<std::string>{});
  EXPECT_EQ(Rules(UnevenJob(1)), std::set<std::string>{"cooling gpu=0"});
}

// cases/cold_start_chronic_sbe.jsonl: a GPU with a steady benign ~2 SBE an hour since before the export began.
TEST(PredictPersistence, ASeriesActiveSinceTheReplayBeganIsUsualNotNew) {
  CounterState counter;
  PersistenceRule alone{6, 3, 3, 10, 4};  // the ecc rule's "alone" persistence
  counter.Update(kStart, 5000);
  double value = 5000;
  for (int h = 1; h <= 120; ++h) {
    value += 1 + h % 3;  // 1, 2, 3 a hour
    counter.Update(kStart + h * kHour + 600, value);
    EXPECT_FALSE(Measure(counter, HourOf(kStart) + h, alone).Holds(alone)) << "hour " << h;
  }
  // A series clean before its windows is still judged against nothing: a new rate there is evidence.
  CounterState fresh;
  fresh.Update(kStart, 0);
  for (int h = 30; h <= 48; ++h) fresh.Update(kStart + h * kHour + 600, (h - 29) * 4.0);
  EXPECT_TRUE(Measure(fresh, HourOf(kStart) + 48, alone).Holds(alone));
}

// cases/chronic_pcie_after_resets.jsonl: a steady ~2.6 replays an hour, reboots every ~3 days (the counter drops to 0).
// Its usual rate must stay what it is, not fall to about half and make the series look new.
TEST(PredictCounter, AResetKeepsTheSeriesUsualRate) {
  CounterState counter, monotone;
  counter.Update(kStart, 0);
  monotone.Update(kStart, 0);
  double value = 0, total = 0;
  for (int h = 1; h <= 24 * 20; ++h) {
    double step = h % 5 == 0 ? 5 : 2;  // 2.6 an hour
    bool reboot = h % 75 == 0;
    value = reboot ? step : value + step;
    total += step;
    counter.Update(kStart + h * kHour, value);
    monotone.Update(kStart + h * kHour, total);
    if (h > 24 * 4) {
      EXPECT_NEAR(counter.UsualPerHour(), 2.6, 0.5) << "hour " << h;
      EXPECT_NEAR(counter.UsualPerHour(), monotone.UsualPerHour(), 0.5) << "hour " << h;
    }
  }
}

// cases/xid_alert_after_repair.jsonl: XID 63 (three remaps, sampled 7, 4.5 and 2 h before the failure), XID 95 at
// it, a repair of 4.25 h, then 0. One fault: no "2 hardware XIDs" alert, before the failure or at the node's return.
TEST(PredictPredictor, ARowRemapXidAndTheFaultItWasPartOfAreNotTwoFaults) {
  Lines lines;
  const std::string gpu = R"({"gpu": "1"})";
  std::int64_t failure = kStart + 5 * kDay;
  for (std::int64_t t = kStart; t < failure - 7 * kHour; t += 6 * kHour) lines.Add(t, "DCGM_FI_DEV_XID_ERRORS", gpu, 0);
  for (int i = 0; i < 3; ++i) lines.Add(failure - 7 * kHour + i * 9000, "DCGM_FI_DEV_XID_ERRORS", gpu, 63);
  lines.Add(failure, "DCGM_FI_DEV_XID_ERRORS", gpu, 95);
  for (std::int64_t t = failure + 4 * kHour + 900; t < failure + 3 * kDay; t += 6 * kHour)
    lines.Add(t, "DCGM_FI_DEV_XID_ERRORS", gpu, 0);
  EXPECT_EQ(Rules(lines.Alerts()), std::set<std::string>{});
  // Faults of their own still alert (the node reports all along: a node silent for hours after an XID was reset,
  // and its XIDs are the past), when none of them is the GPU failing already (a terminal XID: predict_drain_test).
  Lines faults;
  for (std::int64_t t = kStart; t < kStart + 3 * kDay; t += 1800) faults.Add(t, "DCGM_FI_DEV_GPU_TEMP", gpu, 60);
  faults.Add(kStart, "DCGM_FI_DEV_XID_ERRORS", gpu, 0);
  faults.Add(kStart + kDay, "DCGM_FI_DEV_XID_ERRORS", gpu, 119);
  faults.Add(kStart + kDay + 5 * kHour, "DCGM_FI_DEV_XID_ERRORS", gpu, 92);
  faults.Add(kStart + kDay + 7 * kHour, "DCGM_FI_DEV_XID_ERRORS", gpu, 92);
  EXPECT_EQ(Rules(faults.Alerts()), std::set<std::string>{"xid gpu=1"});
}

// cases/order_vol_agg_a/b.jsonl: SBE VOL and AGG with equal increments; which one appears first must not matter.
TEST(PredictPredictor, TheOrderOfVolAndAggDoesNotPickTheEvidence) {
  auto alerts = [](bool agg_first) {
    Lines lines;
    const std::string gpu = R"({"gpu": "2"})";
    const char* metrics[2] = {"DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL"};
    for (std::int64_t t = kStart; t < kStart + 6 * kDay; t += 1800) {
      double value = t < kStart + 3 * kDay ? 0 : static_cast<double>(t - kStart - 3 * kDay) / 1800 * 5;
      for (int m = 0; m < 2; ++m) lines.Add(t, metrics[agg_first ? m : 1 - m], gpu, value);
    }
    std::string text;
    for (const Alert& alert : lines.Alerts()) text += fmt::format("{} {}\n", alert.t, alert.evidence.dump());
    return text;
  };
  std::string a = alerts(true);
  EXPECT_NE(a, "");
  EXPECT_EQ(a, alerts(false));
}

}  // namespace
}  // namespace kiln::predict
