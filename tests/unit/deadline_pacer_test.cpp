// The pacer that ends slow work measured before the step's deadline, on a fake clock and a simulated group.

#include "probes/common/deadline_pacer.hpp"

#include <gtest/gtest.h>

#include <stop_token>

#include "tests/support/fake_sweep.hpp"

namespace kiln {
namespace {

using testing::FakeGroup;
using testing::FakeTime;

struct PacerFixture {
  FakeTime time;
  FakeGroup group;
  ProbeContext ctx;
  std::stop_source stop;
  PacerFixture() { ctx.stop = stop.get_token(); }
  DeadlinePacer Pacer(double margin = 1.5) { return DeadlinePacer(group, ctx, "op", margin, time.Clock()); }
};

TEST(DeadlinePacer, WithoutADeadlineNothingIsForeseen) {
  PacerFixture f;
  DeadlinePacer pacer = f.Pacer();
  EXPECT_FALSE(pacer.StopBeforeSample(1e9, 1000));
  EXPECT_FALSE(pacer.stopped());
}

TEST(DeadlinePacer, StopsWhenTheWorkTimesTheMarginWouldPassTheDeadline) {
  PacerFixture f;
  f.ctx.deadline = FakeTime::At(f.time.now + 10);
  DeadlinePacer pacer = f.Pacer();
  EXPECT_FALSE(pacer.StopBeforeSample(3, 2));  // 6 s, 9 s with the margin: fits the 10 s
  EXPECT_TRUE(pacer.StopBeforeSample(3.5, 2));  // 7 s, 10.5 s with the margin
  EXPECT_TRUE(pacer.stopped());
  EXPECT_FALSE(pacer.stop_requested());
  EXPECT_EQ(pacer.why(), "2 more op(s) would take about 7s; 10s were left of the step's timeout");
  f.time.now += 8;  // 2 s left: a margin of 1.2 lets 1.5 s go on
  DeadlinePacer tighter = f.Pacer(1.2);
  EXPECT_FALSE(tighter.StopBeforeSample(1.5, 1));
}

TEST(DeadlinePacer, ForeseesASizeFromTheLastInProportionToItsBytes) {
  PacerFixture f;
  f.ctx.deadline = FakeTime::At(f.time.now + 12);
  DeadlinePacer pacer = f.Pacer();
  EXPECT_FALSE(pacer.StopBeforeSize(1048576, 5));  // a sweep's first size is never foreseen
  pacer.Measured(1048576, 0.5);
  // 4 MiB: 4 x 0.5 s a call x 5 calls = 10 s, 15 s with the margin, past the 12 s left.
  EXPECT_TRUE(pacer.StopBeforeSize(4194304, 5));
  EXPECT_EQ(pacer.why(), "size 4MiB would take about 10s (5 op(s) at the least); 12s were left of the step's timeout");
  // A smaller size is foreseen no faster than the last: 0.5 s x 5 fits.
  EXPECT_FALSE(pacer.StopBeforeSize(1024, 5));
}

TEST(DeadlinePacer, ANewSweepForeseesNothingFromTheLast) {
  PacerFixture f;
  f.ctx.deadline = FakeTime::At(f.time.now + 1);
  DeadlinePacer pacer = f.Pacer();
  pacer.Measured(1024, 1.0);
  pacer.Begin("other-op");
  EXPECT_FALSE(pacer.StopBeforeSize(1 << 30, 5));
  EXPECT_TRUE(pacer.StopBeforeSample(1.0, 1));
  EXPECT_EQ(pacer.why(), "1 more other-op(s) of size 1GiB would take about 1s; 1s were left of the step's timeout");
}

TEST(DeadlinePacer, ARequestedStopEndsTheWorkWhateverIsLeft) {
  PacerFixture f;
  f.stop.request_stop();
  DeadlinePacer pacer = f.Pacer();
  EXPECT_TRUE(pacer.StopBeforeSample(0, 1));
  EXPECT_TRUE(pacer.stop_requested());
}

TEST(DeadlinePacer, AnotherRanksForecastStopsEveryRankWithOneAgreementPerCheck) {
  PacerFixture f;
  f.group.others_vote = 1;
  DeadlinePacer pacer = f.Pacer();
  EXPECT_TRUE(pacer.StopBeforeSample(0.001, 1));
  EXPECT_FALSE(pacer.stop_requested());
  EXPECT_EQ(pacer.why(), "another rank of the group foresaw that the next work could not end before the step's timeout");
  EXPECT_EQ(f.group.votes, 1);
  f.group.others_vote = 2;  // another rank's stop was requested
  EXPECT_TRUE(pacer.StopBeforeSample(0.001, 1));
  EXPECT_TRUE(pacer.stop_requested());
  EXPECT_EQ(f.group.votes, 2);
}

}  // namespace
}  // namespace kiln
