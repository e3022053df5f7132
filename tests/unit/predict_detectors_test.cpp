// The pure parts of the predictor: a counter's state across resets, persistence over windows, CUSUM.

#include <gtest/gtest.h>

#include "predict/counter_state.hpp"
#include "predict/cusum.hpp"
#include "predict/persistence.hpp"
#include "predict/signal.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kStart = 1767225600;  // an hour boundary

TEST(PredictCounter, IncrementsSurviveResetsAndSparseSamples) {
  CounterState counter;
  EXPECT_EQ(counter.Update(kStart, 100), 0);  // the first sample sets the level
  EXPECT_EQ(counter.Update(kStart + 10, 100), 0);
  EXPECT_EQ(counter.Update(kStart + 5 * kHour, 130), 30);  // sampled only on change: the gap is fine
  EXPECT_EQ(counter.Sum(HourOf(kStart), HourOf(kStart) + 5), 30);
  EXPECT_EQ(counter.Update(kStart + 6 * kHour, 4), 4);  // a reboot: 4 since the reset, the recent past forgotten
  EXPECT_EQ(counter.resets(), 1);
  EXPECT_EQ(counter.Sum(HourOf(kStart), HourOf(kStart) + 6), 4);
  EXPECT_EQ(counter.Update(kStart + 7 * kHour, 10), 6);
  EXPECT_EQ(counter.Span(HourOf(kStart), HourOf(kStart) + 10), 1);
}

TEST(PredictCounter, AChronicTrickleBecomesTheSeriesUsualRate) {
  CounterState counter;
  counter.Update(kStart, 0);
  for (int h = 1; h <= 24 * 14; ++h) counter.Update(kStart + h * kHour, h * 2.0);  // +2 every hour, two weeks
  EXPECT_NEAR(counter.UsualPerHour(), 2.0, 0.5);
  PersistenceRule rule{6, 3, 2, 3, 4, 0};
  // 12 a window is what this series always does: not evidence.
  EXPECT_EQ(Measure(counter, HourOf(kStart) + 24 * 14, rule).active, 0);
}

TEST(PredictPersistence, OneBurstIsNotPersistentEvenAcrossAWindowEdge) {
  PersistenceRule rule{6, 3, 2, 3, 4, 0};
  CounterState burst;
  burst.Update(kStart, 0);
  burst.Update(kStart + 5 * kHour + 1800, 400);               // the last hour of one window
  burst.Update(kStart + 6 * kHour + 600, 900);                // the first hour of the next
  Persistence p = Measure(burst, HourOf(kStart) + 11, rule);  // windows [6, 11], [0, 5], [-6, -1]
  EXPECT_EQ(p.active, 2);
  EXPECT_EQ(p.span_hours, 1);
  EXPECT_FALSE(p.Holds(rule));

  CounterState growing;
  growing.Update(kStart, 0);
  for (int h = 1; h <= 18; h += 2) growing.Update(kStart + h * kHour, h * 3.0);
  Persistence q = Measure(growing, HourOf(kStart) + 18, rule);
  EXPECT_EQ(q.active, 3);
  EXPECT_GE(q.span_hours, 6);
  EXPECT_TRUE(q.Holds(rule));
  EXPECT_NE(q.Describe(rule).find("3 of 3 6-h windows active"), std::string::npos);
}

TEST(PredictCusum, NoiseStaysQuietAStepUpAlarms) {
  Cusum cusum(CusumOptions{2.0, 36.0, 1.0 / 48, 24});
  const double noise[] = {1.5, -1.0, 0.5, -1.5, 1.0, 0.0, -0.5, 1.2};
  for (int h = 0; h < 24 * 10; ++h) EXPECT_FALSE(cusum.Add(3.0 + noise[h % 8])) << h;
  int hours_to_alarm = 0;
  // The level has learnt about 3.1; at 9 the sum grows 9 - 3.1 - 2 = 3.9 C h an hour, less the level's clipped
  // learning (2/48 an hour): about 33.6 after 9 hours, 37 > 36 on the 10th.
  while (!cusum.Add(9.0) && hours_to_alarm < 100) ++hours_to_alarm;
  EXPECT_EQ(hours_to_alarm, 9);
}

TEST(PredictSignal, KnowsTheExportersNamesAndTheHardwareXids) {
  EXPECT_EQ(SignalOf("DCGM_FI_DEV_ROW_REMAP_PENDING"), Signal::kRemapPending);
  EXPECT_EQ(SignalOf("node_infiniband_link_downed_total"), Signal::kIbLinkDowned);
  EXPECT_EQ(SignalOf("DCGM_FI_DEV_SM_CLOCK"), Signal::kUnknown);
  EXPECT_TRUE(IsCounter(Signal::kPcieReplay));
  EXPECT_FALSE(IsCounter(Signal::kXid));
  EXPECT_TRUE(IsHardwareXid(48));
  EXPECT_TRUE(IsHardwareXid(79));
  EXPECT_FALSE(IsHardwareXid(13));  // an application's fault
  EXPECT_FALSE(IsHardwareXid(43));
}

}  // namespace
}  // namespace kiln::predict
