#include "probes/common/collective_math.hpp"

#include <gtest/gtest.h>

namespace kiln::collective {
namespace {

TEST(BusBandwidthFactor, MatchesNcclTestsFormulas) {
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllReduce, 8), 2.0 * 7 / 8);  // 1.75
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllReduce, 2), 1.0);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllReduce, 1), 0.0);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllGather, 4), 0.75);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kReduceScatter, 4), 0.75);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllToAll, 16), 15.0 / 16);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kBroadcast, 8), 1.0);
}

TEST(AlgorithmBandwidth, IsBytesOverTimeInDecimalGigabytes) {
  // 16 GiB in 0.0625 s: 17179869184 / 0.0625 / 1e9 = 274.877906944
  EXPECT_NEAR(AlgorithmBandwidth(17179869184.0, 0.0625), 274.877906944, 1e-9);
  EXPECT_DOUBLE_EQ(AlgorithmBandwidth(1e9, 0), 0);
}

TEST(AllReduceExpected, EqualsTheSumOfInputs) {
  for (int ranks : {1, 2, 3, 4, 7, 64, 1000}) {
    for (std::uint64_t i : {0ull, 1ull, 2ull, 5ull, 1000001ull}) {
      double sum = 0;
      for (int r = 0; r < ranks; ++r) sum += AllReduceInput(r, i);
      EXPECT_EQ(AllReduceExpected(ranks, i), static_cast<float>(sum)) << ranks << " " << i;
    }
  }
  // Hand-computed: 4 ranks, element 1 -> inputs 2,3,1,2 = 8.
  EXPECT_EQ(AllReduceExpected(4, 1), 8.0f);
}

TEST(AllReduceInput, DiffersBetweenNeighbouringElementsSoSwapsAreCaught) {
  EXPECT_NE(AllReduceExpected(4, 0), AllReduceExpected(4, 1));
}

TEST(IterationsForTarget, AimsForTheTargetWithinBounds) {
  EXPECT_EQ(IterationsForTarget(0.001, 0.1, 1000), 100);
  EXPECT_EQ(IterationsForTarget(1.0, 0.1, 1000), 1);
  EXPECT_EQ(IterationsForTarget(1e-9, 0.1, 50), 50);
  EXPECT_EQ(IterationsForTarget(0, 0.1, 20), 20);
}

TEST(PredictedIterationSeconds, GrowsWithTheBytesAndNeverBelowTheLastSize) {
  EXPECT_DOUBLE_EQ(PredictedIterationSeconds(8 << 20, 0.004, 256 << 20), 0.128);  // 32 times the bytes
  EXPECT_DOUBLE_EQ(PredictedIterationSeconds(1 << 20, 0.002, 1 << 10), 0.002);    // a smaller size: no less
  EXPECT_EQ(PredictedIterationSeconds(0, 0, 1 << 20), 0);                          // nothing measured yet
  EXPECT_EQ(PredictedIterationSeconds(1 << 20, -1, 1 << 20), 0);
}

}  // namespace
}  // namespace kiln::collective
