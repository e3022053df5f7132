#include "core/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace kiln {
namespace {

TEST(Summarize, ComputesHandCheckedValues) {
  std::vector<double> samples{2, 4, 4, 4, 5, 5, 7, 9};
  Summary s = Summarize(samples);
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.min, 2);
  EXPECT_DOUBLE_EQ(s.max, 9);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);  // sum of squares 32, n-1 = 7
  EXPECT_NEAR(s.cv, std::sqrt(32.0 / 7.0) / 5.0, 1e-12);
}

TEST(Summarize, SingleSampleHasNoSpread) {
  std::vector<double> one{3.5};
  Summary s = Summarize(one);
  EXPECT_DOUBLE_EQ(s.median, 3.5);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_DOUBLE_EQ(s.cv, 0);
}

TEST(Summarize, RejectsEmptyAndNonFinite) {
  std::vector<double> none;
  EXPECT_THROW(Summarize(none), std::invalid_argument);
  std::vector<double> nan{1.0, NAN};
  EXPECT_THROW(Summarize(nan), std::invalid_argument);
}

TEST(Median, OddAndEvenCounts) {
  std::vector<double> odd{5, 1, 3};
  std::vector<double> even{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Median(odd), 3);
  EXPECT_DOUBLE_EQ(Median(even), 2.5);
}

TEST(RobustDeviation, IgnoresOneOutlier) {
  std::vector<double> values{10, 10.1, 9.9, 10.2, 9.8, 1.0};
  // Deviations from the median 9.95: 0.05 0.15 0.05 0.25 0.15 8.95 -> median 0.15 -> x1.4826
  EXPECT_NEAR(RobustDeviation(values), 0.15 * 1.4826, 1e-9);
}

}  // namespace
}  // namespace kiln
