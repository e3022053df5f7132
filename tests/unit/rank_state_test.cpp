// The heartbeat's account of the other ranks, from their latest states: silent ranks first, else the one behind.

#include "runners/rank_state.hpp"

#include <gtest/gtest.h>

namespace kiln {
namespace {

const std::vector<std::string> kNodes{"n0", "n1", "n2", "n3"};

std::optional<HeardState> At(int rank, std::size_t step, bool gathering, double stage_s, double age_s = 0,
                             std::string doing = "", int round = 0) {
  return HeardState{RankState{rank, step, round, gathering, stage_s, std::move(doing)}, age_s};
}

TEST(RankState, TheRankStillInItsProbeWhileTheOthersGatherIsTheSlowest) {
  std::vector<std::optional<HeardState>> heard{At(0, 2, true, 9), At(1, 2, true, 8, 1), At(2, 2, false, 10, 2, "sleeping"),
                                               At(3, 2, true, 7)};
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8),
            "slowest: rank 2 on n2, in its probe for 12s: sleeping; 3 of 4 ranks are past it");
}

TEST(RankState, OfSeveralRanksBehindTheOneThereLongestIsNamed) {
  std::vector<std::optional<HeardState>> heard{At(0, 1, true, 3), At(1, 1, false, 4, 1), At(2, 1, false, 3, 3),
                                               At(3, 1, false, 2)};
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8), "slowest: rank 2 on n2, in its probe for 6s; 1 of 4 ranks are past it");
}

TEST(RankState, AnEarlierRoundOrStepIsFurtherBehindThanAProbeOfALaterOne) {
  std::vector<std::optional<HeardState>> heard{At(0, 3, false, 1, 0, "", 2), At(1, 3, true, 1, 0, "", 1),
                                               At(2, 3, false, 1, 0, "", 2), At(3, 4, false, 1)};
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8), "slowest: rank 1 on n1, gathering for 1s; 3 of 4 ranks are past it");
}

TEST(RankState, RanksNotHeardLatelyAreSilentWhateverTheOthersDo) {
  std::vector<std::optional<HeardState>> heard{At(0, 2, true, 9), At(1, 2, true, 8, 9.5), std::nullopt,
                                               At(3, 2, false, 30, 1)};
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8), "silent: rank 1 on n1 (nothing for 9.5s), rank 2 on n2 (never heard)");
}

TEST(RankState, ManySilentRanksAreCountedPastTheFirstThree) {
  std::vector<std::optional<HeardState>> heard(6);
  heard[0] = At(0, 0, false, 1);
  heard[5] = At(5, 0, false, 1);
  std::vector<std::string> nodes{"a", "b", "c", "d", "e", "f"};
  EXPECT_EQ(DescribeRanks(heard, nodes, 8),
            "silent: rank 1 on b (never heard), rank 2 on c (never heard), rank 3 on d (never heard) and 1 more");
}

TEST(RankState, RanksAllInOnePlaceAreSaidToBeTogether) {
  std::vector<std::optional<HeardState>> heard{At(0, 1, false, 5), At(1, 1, false, 5, 1), At(2, 1, false, 4)};
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8), "all 3 ranks in the probe");
  for (auto& h : heard) h->state.gathering = true;
  EXPECT_EQ(DescribeRanks(heard, kNodes, 8), "all 3 ranks gathering");
}

TEST(RankState, NothingIsSaidWhenNoOtherRankWasEverHeard) {
  // No channel (UDP blocked, or not opened): rank 0 cannot tell a silent rank from a lost datagram.
  EXPECT_EQ(DescribeRanks({At(0, 1, false, 5), std::nullopt, std::nullopt}, kNodes, 8), "");
}

TEST(RankState, AStateCrossesTheWireWithItsTokenAndNoOtherIsTaken) {
  RankState state{3, 7, 2, true, 1.5, "size 64 MiB"};
  std::string wire = StateToWire(0xfeedULL, state);
  std::optional<RankState> back = StateFromWire(wire, 0xfeedULL, 4);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rank, 3);
  EXPECT_EQ(back->step, 7u);
  EXPECT_EQ(back->round, 2);
  EXPECT_TRUE(back->gathering);
  EXPECT_DOUBLE_EQ(back->stage_s, 1.5);
  EXPECT_EQ(back->doing, "size 64 MiB");
  EXPECT_FALSE(StateFromWire(wire, 0xbeefULL, 4)) << "another run's token";
  EXPECT_FALSE(StateFromWire(wire, 0xfeedULL, 3)) << "a rank the job does not have";
  EXPECT_FALSE(StateFromWire(wire.substr(0, wire.size() / 2), 0xfeedULL, 4)) << "a cut datagram";
  EXPECT_FALSE(StateFromWire("{\"k\":\"000000000000feed\",\"r\":\"x\"}", 0xfeedULL, 4)) << "a wrong field";
}

TEST(RankState, ALongOrBrokenProbeTextIsCutAndMadeValidOnTheWire) {
  RankState state{1, 0, 0, false, 0, std::string(200, 'x') + "\xff"};
  std::optional<RankState> back = StateFromWire(StateToWire(1, state), 1, 2);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->doing, std::string(120, 'x'));
  state.doing = std::string(119, 'y') + "\xc3\xa9";  // é cut in half at byte 120
  back = StateFromWire(StateToWire(1, state), 1, 2);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->doing.substr(0, 119), std::string(119, 'y'));
  EXPECT_EQ(back->doing.substr(119), "\xef\xbf\xbd");  // U+FFFD
}

TEST(RankState, WithoutStatesRankZeroNamesTheRanksWhoseResultsItWaitsFor) {
  EXPECT_EQ(DescribeWaiting({1, 0, 1, 0}, kNodes), "waiting for the results of rank 1 on n1, rank 3 on n3");
  EXPECT_EQ(DescribeWaiting({1, 1, 1, 1}, kNodes), "");
}

}  // namespace
}  // namespace kiln
