// The collective size sweep (mpi_allreduce, mpi_alltoall, nccl): its warm-up against timers that behave as a real
// size's first calls do, and the whole sweep driven by a fake collective on a fake clock.

#include <gtest/gtest.h>

#include <stop_token>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "probes/common/collective_sweep.hpp"
#include "tests/support/fake_sweep.hpp"

namespace kiln {
namespace {

// Seconds per iteration: `cold` for the first `cold_calls` calls, `warm` after; records each batch's size.
struct FakeTimer {
  double cold, warm;
  int cold_calls;
  int calls = 0;
  std::vector<int> batches;
  double operator()(int iterations) {
    batches.push_back(iterations);
    double total = 0;
    for (int i = 0; i < iterations; ++i) total += calls++ < cold_calls ? cold : warm;
    return total / iterations;
  }
};

TEST(WarmUp, AColdStartDoesNotSizeTheSamples) {
  // 1 MiB as measured on this VM: 6 ms per call for the first two calls, 0.2 ms after.
  FakeTimer timer{0.006, 0.0002, 2, 0, {}};
  double estimate = WarmUp([&](int n) { return timer(n); }, 2);
  EXPECT_DOUBLE_EQ(estimate, 0.0002);
  ASSERT_GE(timer.batches.size(), 3u);
  EXPECT_EQ(timer.batches[0], 1);  // one call, then the rest of the warm-up asked for
  EXPECT_EQ(timer.batches[1], 1);
}

TEST(WarmUp, ASteadySizeTakesOneMorePassOfAboutFiveMilliseconds) {
  FakeTimer timer{0.000001, 0.000001, 0, 0, {}};
  double estimate = WarmUp([&](int n) { return timer(n); }, 2);
  EXPECT_NEAR(estimate, 0.000001, 1e-12);
  EXPECT_EQ(timer.batches, (std::vector<int>{1, 1, 5000}));
}

TEST(WarmUp, ALargeSizeTakesOneMoreCallNotFiveMilliseconds) {
  FakeTimer timer{0.5, 0.5, 0, 0, {}};
  WarmUp([&](int n) { return timer(n); }, 1);
  EXPECT_EQ(timer.batches, (std::vector<int>{1, 1}));
}

TEST(WarmUp, StopsAfterThreePassesEvenIfItKeepsGettingFaster) {
  int pass = 0;
  std::vector<int> batches;
  WarmUp([&](int n) { batches.push_back(n); return 1.0 / (1 << (4 * pass++)); }, 1);
  EXPECT_EQ(batches.size(), 4u);  // the warm-up and three passes
}

TEST(WarmUp, APacerThatForeseesNoTimeEndsItAfterTheFirstCall) {
  FakeTimer timer{2.0, 2.0, 0, 0, {}};
  std::vector<std::pair<double, int>> asked;
  double estimate = WarmUp([&](int n) { return timer(n); }, 2, [&](double seconds, int n) {
    asked.emplace_back(seconds, n);
    return seconds * n > 1.0;  // 1 s left
  });
  EXPECT_EQ(estimate, 2.0);
  EXPECT_EQ(timer.batches, (std::vector<int>{1}));
  EXPECT_EQ(asked, (std::vector<std::pair<double, int>>{{2.0, 1}}));
}

using testing::FakeCollective;
using testing::FakeGroup;
using testing::FakeTime;

// A sweep of a fake collective: 4 ranks on nodes a, b, a, c; no deadline unless a test sets one.
struct SweepFixture {
  FakeTime time;
  FakeGroup group;
  ProbeContext ctx;
  std::stop_source stop;
  SweepOptions options;
  SweepSpec spec{"fake", "fake.coll", collective::Collective::kAllReduce, "fake-op", "; fake notes",
                 "fake wrong method", {{"collective", "fake"}}, ""};
  ProbeOutcome outcome;
  SweepFixture() {
    ctx.members = {"a", "b", "a", "c"};
    ctx.stop = stop.get_token();
    options.warmup = 2;
    options.samples = 3;
    options.sample_seconds = 0.1;
    options.max_iterations = 1000000;
  }
  // Runs the sweep and finishes it as a probe would; the measurements land in `outcome`.
  bool Run(FakeCollective& collective) {
    CollectiveSweep sweep(group, ctx, time.Clock());
    bool whole = sweep.Run(collective, spec, options, outcome);
    sweep.Finish(options.sizes.size(), outcome);
    return whole;
  }
  const Measurement& Find(const std::string& metric, const std::string& size) const {
    for (const Measurement& m : outcome.measurements) {
      if (m.metric == metric && m.labels.at("size") == size) return m;
    }
    throw std::runtime_error("no " + metric + " at " + size);
  }
};

// 1000 B in 1 us and 1e6 B in 100 us: algbw 1 and 10 GB/s.
double TwoSpeeds(std::uint64_t bytes) { return bytes == 1000 ? 1e-6 : 1e-4; }

TEST(CollectiveSweep, MeasuresEverySizeWithTheFourMeasurementsOfNcclTests) {
  SweepFixture f;
  f.options.sizes = {1000, 1000000};
  FakeCollective fake(f.time, TwoSpeeds);
  EXPECT_TRUE(f.Run(fake));
  ASSERT_EQ(f.outcome.measurements.size(), 8u);
  EXPECT_EQ(f.outcome.reason, "");
  const Measurement& busbw = f.Find("fake.coll.busbw", "1000B");
  EXPECT_EQ(busbw.probe, "fake");
  EXPECT_EQ(busbw.unit, "GB/s");
  EXPECT_EQ(busbw.labels.at("collective"), "fake");
  EXPECT_EQ(busbw.subject, Subject::Group({"a", "b", "c"}));
  ASSERT_EQ(busbw.samples.size(), 3u);
  // all_reduce over 4 ranks: busbw = algbw x 2(4-1)/4 = 1.5 algbw; algbw = 1000 B / 1 us = 1 GB/s.
  for (double v : busbw.samples) EXPECT_DOUBLE_EQ(v, 1.5);
  for (double v : f.Find("fake.coll.algbw", "1000B").samples) EXPECT_DOUBLE_EQ(v, 1.0);
  for (double v : f.Find("fake.coll.time", "1000B").samples) EXPECT_DOUBLE_EQ(v, 1.0);  // us
  EXPECT_EQ(f.Find("fake.coll.time", "1000B").unit, "us");
  for (double v : f.Find("fake.coll.busbw", "1000000B").samples) EXPECT_DOUBLE_EQ(v, 15.0);
  for (double v : f.Find("fake.coll.time", "1000000B").samples) EXPECT_DOUBLE_EQ(v, 100.0);
  const Measurement& wrong = f.Find("fake.coll.wrong_elements", "1000B");
  EXPECT_EQ(wrong.unit, "count");
  EXPECT_EQ(wrong.samples, std::vector<double>{0});
  EXPECT_EQ(wrong.method, "fake wrong method");
  // 0.1 s per sample at 1 us per call: 100000 calls.
  EXPECT_EQ(busbw.method,
            "4 ranks, fake detail; 3 samples of 100000 iterations after a warm-up of 2 iterations and at least 5 ms; "
            "time of the slowest rank; busbw = algbw x 2(n-1)/n; fake notes");
  EXPECT_EQ(fake.prepared, (std::vector<std::uint64_t>{1000, 1000000}));
  EXPECT_EQ(fake.clears, 6);  // before every sample
  EXPECT_EQ(fake.checks, 2);  // once per size, after its last sample
}

TEST(CollectiveSweep, TheTimeOfACallIsTheSlowestRanks) {
  SweepFixture f;
  f.options.sizes = {1000};
  f.group.others_slower = 2;
  FakeCollective fake(f.time, TwoSpeeds);
  f.Run(fake);
  for (double v : f.Find("fake.coll.time", "1000B").samples) EXPECT_DOUBLE_EQ(v, 2.0);
  for (double v : f.Find("fake.coll.algbw", "1000B").samples) EXPECT_DOUBLE_EQ(v, 0.5);
}

TEST(CollectiveSweep, SamplesAreSizedBySampleTimeUpToMaxIterations) {
  SweepFixture f;
  f.options.sizes = {1000};
  f.options.max_iterations = 1000;
  FakeCollective fake(f.time, TwoSpeeds);
  f.Run(fake);
  // The warm-up: one call, the rest of the 2, one pass of 5 ms (5000 calls); then 3 samples capped at 1000.
  EXPECT_EQ(fake.batches, (std::vector<int>{1, 1, 5000, 1000, 1000, 1000}));
}

TEST(CollectiveSweep, WithoutASampleTimeEverySampleMakesMaxIterationsCalls) {
  SweepFixture f;  // nccl's way: -n 20
  f.options.sizes = {1000000};
  f.options.sample_seconds = 0;
  f.options.max_iterations = 20;
  FakeCollective fake(f.time, TwoSpeeds);
  f.Run(fake);
  EXPECT_EQ(std::vector<int>(fake.batches.end() - 3, fake.batches.end()), (std::vector<int>{20, 20, 20}));
  EXPECT_NE(f.Find("fake.coll.busbw", "1000000B").method.find("3 samples of 20 iterations"), std::string::npos);
}

TEST(CollectiveSweep, WrongElementsAreSummedOverTheRanks) {
  SweepFixture f;
  f.options.sizes = {1000};
  f.group.others_wrong = 5;
  FakeCollective fake(f.time, TwoSpeeds);
  fake.wrong = 2;
  f.Run(fake);
  EXPECT_EQ(f.Find("fake.coll.wrong_elements", "1000B").samples, std::vector<double>{7});
}

TEST(CollectiveSweep, OnlyRankZeroRecordsButEveryRankMeasures) {
  SweepFixture f;
  f.options.sizes = {1000, 1000000};
  f.group.rank = 1;
  FakeCollective fake(f.time, TwoSpeeds);
  EXPECT_TRUE(f.Run(fake));
  EXPECT_TRUE(f.outcome.measurements.empty());
  EXPECT_EQ(fake.checks, 2);
  EXPECT_EQ(fake.clears, 6);
}

TEST(CollectiveSweep, SkipsSizesTheCollectiveCannotSplitAndEndsAtOneThatCannotFit) {
  SweepFixture f;
  f.options.sizes = {10, 1000, 1000000, 5000000, 1000};
  FakeCollective fake(f.time, TwoSpeeds);
  fake.skip_below = 100;
  fake.end_above = 2000000;
  EXPECT_TRUE(f.Run(fake));
  EXPECT_EQ(fake.prepared, (std::vector<std::uint64_t>{1000, 1000000}));
  EXPECT_EQ(f.outcome.measurements.size(), 8u);
  EXPECT_EQ(f.outcome.reason, "");
}

TEST(CollectiveSweep, APadIsWaitedInsideEachSample) {
  SweepFixture f;  // mpi_allreduce's sample_pad: samples of a known length on any machine
  f.options.sizes = {1000};
  f.options.max_iterations = 1;
  f.options.pad_seconds = 1;
  FakeCollective fake(f.time, TwoSpeeds);
  const double start = f.time.now;
  f.Run(fake);
  // 1 us of call and 1 s of pad, in us; the fake clock counts whole nanoseconds.
  for (double v : f.Find("fake.coll.time", "1000B").samples) EXPECT_NEAR(v, 1e6 + 1, 1e-2);
  EXPECT_NEAR(f.time.now - start, 3.005, 1e-4);  // three pads and a warm-up pass of 5 ms
}

// Calls of `bytes` take bytes x 1 us on the fake clock: 1000 B 1 ms ... 10 MB 10 s.
double OneMegabytePerSecond(std::uint64_t bytes) { return static_cast<double>(bytes) * 1e-6; }

TEST(CollectiveSweep, StopsBeforeASizeThatCannotEndByTheDeadline) {
  SweepFixture f;
  f.options.sizes = {1000, 10000, 100000, 1000000, 10000000};
  f.ctx.deadline = FakeTime::At(f.time.now + 10);
  FakeCollective fake(f.time, OneMegabytePerSecond);
  EXPECT_FALSE(f.Run(fake));
  // 1 MB took about 6 s (6 calls of 1 s) and ended near 7.2 s; 10 MB, foreseen at 10 s x 5 calls, never started.
  EXPECT_EQ(fake.prepared, (std::vector<std::uint64_t>{1000, 10000, 100000, 1000000}));
  EXPECT_EQ(f.Find("fake.coll.time", "1000000B").samples.size(), 3u);
  EXPECT_LT(f.time.now, 1010.0);  // never past the deadline
  EXPECT_EQ(f.outcome.measurements.size(), 16u);
  EXPECT_EQ(f.outcome.reason.rfind("slow, not hung: 4 of 5 sizes measured before the step's timeout; size "
                                   "10000000B would take about 50s (5 fake-op(s) at the least); 2.76s were left of the step's "
                                   "timeout",
                                   0),
            0u)
      << f.outcome.reason;
}

TEST(CollectiveSweep, StopsBeforeASampleThatCannotEndAndKeepsThoseTaken) {
  SweepFixture f;  // 2000 B takes 2 s a call, far more than 1000 B's 1 ms foretold
  f.options.sizes = {1000, 2000};
  f.ctx.deadline = FakeTime::At(f.time.now + 10);
  FakeCollective fake(f.time, [](std::uint64_t bytes) { return bytes == 1000 ? 1e-3 : 2.0; });
  EXPECT_FALSE(f.Run(fake));
  EXPECT_EQ(f.Find("fake.coll.time", "1000B").samples.size(), 3u);
  // 2000 B: three warm-up calls and one sample end near 8.3 s; a second sample (2 s, 3 s with the margin) cannot.
  EXPECT_EQ(f.Find("fake.coll.time", "2000B").samples, std::vector<double>{2e6});
  EXPECT_LT(f.time.now, 1010.0);
  EXPECT_NE(f.outcome.reason.find("slow, not hung: 2 of 2 sizes measured before the step's timeout; 1 more "
                                  "fake-op(s) of size 2000B would take about 2s; 1.69s were left"),
            std::string::npos)
      << f.outcome.reason;
}

TEST(CollectiveSweep, NotOneSampleBeforeTheDeadlineIsAnError) {
  SweepFixture f;
  f.options.sizes = {1000};
  f.ctx.deadline = FakeTime::At(f.time.now + 1);
  FakeCollective fake(f.time, [](std::uint64_t) { return 2.0; });
  CollectiveSweep sweep(f.group, f.ctx, f.time.Clock());
  EXPECT_FALSE(sweep.Run(fake, f.spec, f.options, f.outcome));
  EXPECT_EQ(fake.batches, std::vector<int>{1});  // the first call of a size is never foretold
  try {
    sweep.Finish(1, f.outcome);
    ADD_FAILURE() << "no error";
  } catch (const ProbeError& e) {
    EXPECT_NE(std::string(e.what()).find("too slow for one sample before the step's timeout: 1 more fake-op(s)"),
              std::string::npos)
        << e.what();
  }
}

TEST(CollectiveSweep, ARequestedStopIsTheStepsTimeout) {
  SweepFixture f;
  f.options.sizes = {1000, 1000000};
  f.stop.request_stop();
  FakeCollective fake(f.time, TwoSpeeds);
  EXPECT_THROW(f.Run(fake), ProbeError);
  EXPECT_TRUE(fake.prepared.empty());
  EXPECT_TRUE(fake.batches.empty());
}

TEST(CollectiveSweep, AnotherRanksForecastStopsThisRankToo) {
  SweepFixture f;
  f.options.sizes = {1000};
  f.group.others_vote = 1;
  FakeCollective fake(f.time, TwoSpeeds);
  CollectiveSweep sweep(f.group, f.ctx, f.time.Clock());
  EXPECT_FALSE(sweep.Run(fake, f.spec, f.options, f.outcome));
  EXPECT_TRUE(fake.batches.empty());
  EXPECT_EQ(f.group.votes, 1);
}

TEST(CollectiveSweep, RunsSeveralCollectivesAndCountsTheirSizesTogether) {
  SweepFixture f;  // nccl: all_reduce then alltoall over the same sizes
  f.options.sizes = {1000, 1000000};
  f.ctx.deadline = FakeTime::At(f.time.now + 10);
  CollectiveSweep sweep(f.group, f.ctx, f.time.Clock());
  FakeCollective first(f.time, TwoSpeeds), second(f.time, OneMegabytePerSecond);
  EXPECT_TRUE(sweep.Run(first, f.spec, f.options, f.outcome));
  SweepSpec alltoall = f.spec;
  alltoall.collective = collective::Collective::kAllToAll;
  alltoall.labels = {{"collective", "alltoall"}};
  // 1000 B takes 1 ms: not foretold from the last sweep's 100 us for 1 MB. 1 MB then takes 1 s a call; 6 of them
  // and a margin fit the 10 s.
  EXPECT_TRUE(sweep.Run(second, alltoall, f.options, f.outcome));
  sweep.Finish(4, f.outcome);
  EXPECT_EQ(f.outcome.measurements.size(), 16u);
  EXPECT_EQ(sweep.measured_sizes(), 4u);
  for (const Measurement& m : f.outcome.measurements) {
    if (m.metric == "fake.coll.busbw" && m.labels.at("collective") == "alltoall") {
      EXPECT_NE(m.method.find("busbw = algbw x (n-1)/n"), std::string::npos);  // 0.75 over 4 ranks
      EXPECT_DOUBLE_EQ(m.samples[0], 0.75e-3);  // 1000 B per ms: 1e-3 GB/s
      break;
    }
  }
}

}  // namespace
}  // namespace kiln
