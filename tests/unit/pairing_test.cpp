#include "runners/pairing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace kiln {
namespace {

void ExpectEveryPairOnceInDisjointRounds(int n) {
  auto rounds = CircleRounds(n);
  EXPECT_EQ(static_cast<int>(rounds.size()), n % 2 == 0 ? n - 1 : n) << n;
  std::set<std::pair<int, int>> seen;
  for (const Round& round : rounds) {
    std::set<int> busy;
    for (auto [a, b] : round) {
      EXPECT_LT(a, b);
      EXPECT_TRUE(busy.insert(a).second) << "node " << a << " twice in a round, n=" << n;
      EXPECT_TRUE(busy.insert(b).second) << "node " << b << " twice in a round, n=" << n;
      EXPECT_TRUE(seen.insert({a, b}).second) << "pair met twice, n=" << n;
    }
    EXPECT_EQ(static_cast<int>(round.size()), n / 2);
  }
  EXPECT_EQ(static_cast<int>(seen.size()), n * (n - 1) / 2);
}

TEST(CircleRounds, CoversEveryPairExactlyOnce) {
  for (int n : {2, 3, 4, 5, 6, 7, 8, 16, 33, 64}) ExpectEveryPairOnceInDisjointRounds(n);
}

TEST(CircleRounds, NoRoundsForFewerThanTwoNodes) {
  EXPECT_TRUE(CircleRounds(0).empty());
  EXPECT_TRUE(CircleRounds(1).empty());
}

TEST(AffinePlaneRounds, EveryPairMeetsExactlyOnceInDisjointGroupsOfAtMostQ) {
  for (int n : {2, 3, 4, 9, 10, 50, 100, 1000}) {
    const int q = AffinePlaneOrder(n);
    auto rounds = AffinePlaneRounds(n);
    EXPECT_EQ(static_cast<int>(rounds.size()), q + 1) << n;
    std::set<std::pair<int, int>> seen;
    for (const GroupRound& round : rounds) {
      std::set<int> busy;
      for (const std::vector<int>& group : round) {
        EXPECT_GE(group.size(), 2u);
        EXPECT_LE(static_cast<int>(group.size()), q);
        for (std::size_t i = 0; i < group.size(); ++i) {
          EXPECT_TRUE(group[i] >= 0 && group[i] < n) << group[i];
          EXPECT_TRUE(busy.insert(group[i]).second) << "node " << group[i] << " twice in a round, n=" << n;
          for (std::size_t j = i + 1; j < group.size(); ++j) {
            auto pair = std::minmax(group[i], group[j]);
            EXPECT_TRUE(seen.insert(pair).second) << pair.first << "-" << pair.second << " met twice, n=" << n;
          }
        }
      }
    }
    EXPECT_EQ(static_cast<long long>(seen.size()), static_cast<long long>(n) * (n - 1) / 2) << n;
  }
}

TEST(AffinePlaneRounds, TheOrderIsTheSmallestPrimeWhoseSquareHoldsTheNodes) {
  EXPECT_EQ(AffinePlaneOrder(1), 2);
  EXPECT_EQ(AffinePlaneOrder(4), 2);
  EXPECT_EQ(AffinePlaneOrder(5), 3);
  EXPECT_EQ(AffinePlaneOrder(100), 11);  // 10 is not prime
  EXPECT_EQ(AffinePlaneOrder(8192), 97);  // 91..96 are not prime
  EXPECT_EQ(AffinePlaneOrder(65536), 257);
  EXPECT_TRUE(AffinePlaneRounds(1).empty());
}

TEST(SelectRounds, SamplesSpreadRoundsOrAll) {
  EXPECT_EQ(SelectRounds(8, 0).size(), 7u);
  EXPECT_EQ(SelectRounds(8, 100).size(), 7u);
  auto some = SelectRounds(64, 4);
  ASSERT_EQ(some.size(), 4u);
  auto all = CircleRounds(64);
  EXPECT_EQ(some[0], all[0]);
  EXPECT_EQ(some[1], all[15]);
  EXPECT_EQ(some[3], all[47]);
}

}  // namespace
}  // namespace kiln
