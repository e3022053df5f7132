#include "runners/pairing.hpp"

#include <gtest/gtest.h>

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
