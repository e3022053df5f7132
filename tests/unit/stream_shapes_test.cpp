#include "probes/hbm_bandwidth/stream_shapes.hpp"

#include <gtest/gtest.h>

namespace kiln::gpu {
namespace {

TEST(StreamBlocks, OneBlockPerTileCoversEveryVector) {
  const std::uint64_t vectors = 4985248768ull / kDoublesPerVector;  // the H200's arrays
  for (const StreamShape& shape : ElementwiseShapes()) {
    if (shape.blocks_per_sm != 0) continue;
    std::uint64_t blocks = StreamBlocks(shape, vectors, 132);
    std::uint64_t tile = static_cast<std::uint64_t>(shape.threads) * static_cast<std::uint64_t>(shape.unroll);
    EXPECT_GE(blocks * tile, vectors);
    EXPECT_LT((blocks - 1) * tile, vectors);  // no block without work
  }
}

TEST(StreamBlocks, StridingGridsFollowTheMultiprocessors) {
  EXPECT_EQ(StreamBlocks({256, 4, 8}, 1ull << 30, 132), 1056u);
  EXPECT_EQ(StreamBlocks({256, 4, 8}, 1ull << 30, 0), 8u);  // an unknown count still launches
  EXPECT_EQ(StreamBlocks({256, 1, 0}, 0, 132), 1u);
  // CUDA's grid limit caps the block count; the kernels stride over what is left.
  EXPECT_EQ(StreamBlocks({32, 1, 0}, 1ull << 40, 132), 2147483647u);
}

TEST(StreamShapes, AreLaunchableAndUseOnlyCompiledUnrolls) {
  for (const auto* shapes : {&ElementwiseShapes(), &ReductionShapes()}) {
    ASSERT_FALSE(shapes->empty());
    for (const StreamShape& s : *shapes) {
      EXPECT_TRUE(s.threads % 32 == 0 && s.threads >= 32 && s.threads <= 1024) << s.threads;
      EXPECT_TRUE(s.unroll == 1 || s.unroll == 2 || s.unroll == 4 || s.unroll == 8) << s.unroll;
    }
  }
  // The read kernel adds one atomic per block: only striding grids of a few blocks per SM.
  for (const StreamShape& s : ReductionShapes()) EXPECT_GT(s.blocks_per_sm, 0);
  EXPECT_EQ(DescribeShape({256, 2, 0}, 4224), "4224 blocks x 256 threads x 2 vectors");
}

}  // namespace
}  // namespace kiln::gpu
