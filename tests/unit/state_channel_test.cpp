// The states' channel between two ends in this process: rank 0's listening socket and another rank's, over loopback.

#include "runners/state_channel.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace kiln {
namespace {

// One end of a two-rank job: rank 0 tells the others where it listens through `board`.
class TwoRanks final : public Communicator {
 public:
  TwoRanks(int rank, std::string& board) : rank_(rank), board_(board) {}
  int Rank() const override { return rank_; }
  int Size() const override { return 2; }
  void Barrier() override {}
  void QuietBarrier() override {}
  std::int64_t AllreduceMax(std::int64_t value) override { return value; }
  std::vector<std::string> GatherToRoot(const std::string& text) override { return {text}; }
  void GatherToRootAsArrived(const std::string& text, const ArrivalFn& arrived) override { arrived(0, text); }
  std::string BroadcastFromRoot(const std::string& text) override {
    if (rank_ == 0) board_ = text;
    return board_;
  }
  std::unique_ptr<Communicator> Split(int, int) override { return nullptr; }
  std::unique_ptr<Communicator> Duplicate() override { return nullptr; }

 private:
  int rank_;
  std::string& board_;
};

// Rank 0's view once rank 1's state arrived, or after 10 s without it.
std::optional<HeardState> HeardFromRankOne(StateChannel& rank0) {
  for (int i = 0; i < 1000; ++i) {
    std::vector<std::optional<HeardState>> heard = rank0.Heard();
    if (heard.at(1)) return heard[1];
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

TEST(StateChannel, AStateSentByARankReachesRankZeroWithItsAge) {
  std::string board;
  TwoRanks zero(0, board), one(1, board);
  std::unique_ptr<StateChannel> listening = StateChannel::Open(zero, true);
  ASSERT_NE(listening, nullptr);
  std::unique_ptr<StateChannel> sending = StateChannel::Open(one, true);
  ASSERT_NE(sending, nullptr);
  EXPECT_FALSE(listening->Heard().at(1)) << "nothing sent yet";
  sending->Send({1, 4, 2, true, 3.5, "size 8 MiB"});
  std::optional<HeardState> heard = HeardFromRankOne(*listening);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->state.step, 4u);
  EXPECT_EQ(heard->state.round, 2);
  EXPECT_TRUE(heard->state.gathering);
  EXPECT_EQ(heard->state.doing, "size 8 MiB");
  EXPECT_GE(heard->age_s, 0);
}

TEST(StateChannel, ADatagramOfAnotherRunIsDropped) {
  std::string board, other_board;
  TwoRanks zero(0, board), one(1, board), other_zero(0, other_board);
  std::unique_ptr<StateChannel> listening = StateChannel::Open(zero, true);
  std::unique_ptr<StateChannel> other = StateChannel::Open(other_zero, true);
  ASSERT_NE(listening, nullptr);
  ASSERT_NE(other, nullptr);
  // A sender of the other run, pointed at this run's port: right address, wrong token.
  std::string stray_board = other_board.substr(0, other_board.find(' ')) + board.substr(board.find(' '));
  TwoRanks stray_one(1, stray_board);
  StateChannel::Open(stray_one, true)->Send({1, 9, 0, false, 1, "stray"});
  // Over loopback a datagram is queued at the receiver before sendto returns: had it been taken, it would show.
  EXPECT_FALSE(listening->Heard().at(1));
  std::unique_ptr<StateChannel> sending = StateChannel::Open(one, true);
  sending->Send({1, 1, 0, false, 1, "ours"});
  std::optional<HeardState> heard = HeardFromRankOne(*listening);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->state.doing, "ours");
}

TEST(StateChannel, NoChannelUnderQuietOrForAJobOfOneRank) {
  std::string board;
  TwoRanks zero(0, board);
  EXPECT_EQ(StateChannel::Open(zero, false), nullptr);
  LocalCommunicator alone;
  EXPECT_EQ(StateChannel::Open(alone, true), nullptr);
}

}  // namespace
}  // namespace kiln
