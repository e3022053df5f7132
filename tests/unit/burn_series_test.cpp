#include "probes/gpu_stress/burn_series.hpp"

#include <gtest/gtest.h>

#include "probes/gpu_stress/gemm_math.hpp"

namespace kiln::gpu {
namespace {

constexpr std::uint64_t kN = 8192;

// A chunk of `gemms` GEMMs at `tflops`: its GPU time follows from 2 n^3 per GEMM.
BurnChunk At(double tflops, std::uint64_t gemms = 10) {
  return {gemms, GemmTflops(kN, gemms, 1.0) / tflops};
}

TEST(SummarizeBurn, SeparatesTheBurstFromTheSettledRate) {
  // Like the H200: about 770 TFLOPS while the clocks are high, 680 once the power limit holds them.
  std::vector<BurnChunk> chunks;
  double t = 0;
  while (t < 10) {
    double rate = t < 1.2 ? 770 : 680;
    chunks.push_back(At(rate));
    t += chunks.back().seconds;
  }
  BurnWindows w;  // burst 1 s, settle 3 s, samples of 1 s
  BurnSeries s = SummarizeBurn(chunks, kN, w);
  ASSERT_FALSE(s.burst.empty());
  for (double rate : s.burst) EXPECT_NEAR(rate, 770, 1e-6);
  ASSERT_GE(s.sustained.size(), 6u);
  for (double rate : s.sustained) EXPECT_NEAR(rate, 680, 1e-6);
  EXPECT_FALSE(s.sustained_is_timeline);
  // The timeline holds every sample in order, the burst's first.
  ASSERT_GE(s.timeline.size(), s.sustained.size() + 2);
  EXPECT_NEAR(s.timeline.front(), 770, 1e-6);
  EXPECT_NEAR(s.timeline.back(), 680, 1e-6);
}

TEST(SummarizeBurn, NoSampleSpansTheSettleTime) {
  // The algorithm changes at 3.5 s (the settle time the burn reports): what follows is measured on its own.
  std::vector<BurnChunk> chunks;
  double t = 0;
  while (t < 8) {
    chunks.push_back(At(t < 3.5 ? 600 : 700));
    t += chunks.back().seconds;
  }
  BurnWindows w;
  w.settle_seconds = 0;
  for (const BurnChunk& c : chunks) {  // the offset where 700 begins
    if (GemmTflops(kN, c.gemms, c.seconds) > 650) break;
    w.settle_seconds += c.seconds;
  }
  BurnSeries s = SummarizeBurn(chunks, kN, w);
  ASSERT_FALSE(s.sustained.empty());
  for (double rate : s.sustained) EXPECT_NEAR(rate, 700, 1e-6) << "a sustained sample mixes in the settling";
}

TEST(SummarizeBurn, AShortBurnStillHasASustainedFigureAndSaysSo) {
  std::vector<BurnChunk> chunks{At(500), At(500), At(500)};  // well under the settle time
  BurnSeries s = SummarizeBurn(chunks, kN, BurnWindows{});
  EXPECT_TRUE(s.sustained_is_timeline);
  ASSERT_EQ(s.sustained.size(), 1u);
  EXPECT_NEAR(s.sustained[0], 500, 1e-6);
  EXPECT_TRUE(SummarizeBurn({}, kN, BurnWindows{}).timeline.empty());
}

TEST(SummarizeBurn, IgnoresEmptyOrUntimedChunks) {
  std::vector<BurnChunk> chunks{At(500), {0, 1.0}, {5, 0.0}, {5, -1.0}, At(500)};
  BurnSeries s = SummarizeBurn(chunks, kN, BurnWindows{});
  for (double rate : s.timeline) EXPECT_NEAR(rate, 500, 1e-6);
}

TEST(WindowsFor, KeepsEveryPartOfAShortBurn) {
  BurnWindows w = WindowsFor(15, 1);
  EXPECT_DOUBLE_EQ(w.burst_seconds, 1);
  EXPECT_DOUBLE_EQ(w.settle_seconds, 3);
  BurnWindows short_burn = WindowsFor(2, 0.5);
  EXPECT_LT(short_burn.settle_seconds, 2);
  EXPECT_LE(short_burn.burst_seconds, short_burn.settle_seconds);
  EXPECT_DOUBLE_EQ(short_burn.sample_seconds, 0.5);
}

TEST(GemmsPerChunk, AimsAtTheTargetWithinOnePass) {
  EXPECT_EQ(GemmsPerChunk(0.0016, 0.1, 1000), 62u);  // bf16 8192 on an H200
  EXPECT_EQ(GemmsPerChunk(0.5, 0.1, 1000), 1u);      // slower than the target: one GEMM
  EXPECT_EQ(GemmsPerChunk(1e-6, 0.1, 40), 40u);      // capped at the pass's matrices
  EXPECT_EQ(GemmsPerChunk(0, 0.1, 40), 40u);         // an untimed warm-up: one chunk per pass
}

TEST(FastestCandidate, PicksTheHighestMedianAndSkipsFailures) {
  EXPECT_EQ(FastestCandidate({{680, 681, 679}, {690, 300, 691}, {}}), 1);
  EXPECT_EQ(FastestCandidate({{680}, {680}}), 0);  // a tie keeps the library's default
  EXPECT_EQ(FastestCandidate({{}, {}}), -1);
  EXPECT_EQ(FastestCandidate({{}, {5}}), 1);
}

}  // namespace
}  // namespace kiln::gpu
