// The warm-up that sizes an MPI sweep's samples, against timers that behave as a real size's first calls do.

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "probes/common/mpi_probe_support.hpp"

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

}  // namespace
}  // namespace kiln
