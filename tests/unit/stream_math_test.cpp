#include "probes/host_stream/stream_math.hpp"

#include <gtest/gtest.h>

namespace kiln::host_stream {
namespace {

TEST(BytesMoved, CountsArraysLikeStream) {
  EXPECT_DOUBLE_EQ(BytesMoved(Kernel::kCopy, 1000), 16000);
  EXPECT_DOUBLE_EQ(BytesMoved(Kernel::kScale, 1000), 16000);
  EXPECT_DOUBLE_EQ(BytesMoved(Kernel::kAdd, 1000), 24000);
  EXPECT_DOUBLE_EQ(BytesMoved(Kernel::kTriad, 1000), 24000);
}

TEST(AutoArrayBytes, FourTimesTheCacheAtLeast256MiBCappedByMemory) {
  EXPECT_EQ(AutoArrayBytes(0, 64ull << 30), 256ull << 20);
  EXPECT_EQ(AutoArrayBytes(384ull << 20, 64ull << 30), 1536ull << 20);
  // 1 GiB available: an eighth over three arrays = 44.7 MiB, rounded down to a page.
  EXPECT_EQ(AutoArrayBytes(384ull << 20, 1ull << 30), ((1ull << 30) / 24) / 4096 * 4096);
}

TEST(ExpectedAfter, FollowsTheStreamRecurrence) {
  Expected one = ExpectedAfter(1);
  // c=a=1; b=3*1=3; c=1+3=4; a=3+3*4=15
  EXPECT_DOUBLE_EQ(one.a, 15);
  EXPECT_DOUBLE_EQ(one.b, 3);
  EXPECT_DOUBLE_EQ(one.c, 4);
  Expected two = ExpectedAfter(2);
  // c=15; b=45; c=60; a=45+180=225
  EXPECT_DOUBLE_EQ(two.a, 225);
  EXPECT_DOUBLE_EQ(two.c, 60);
}

}  // namespace
}  // namespace kiln::host_stream
