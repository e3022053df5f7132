#pragma once
// Launch shapes of the device STREAM kernels, tried in turn so each GPU gets the shape it runs fastest. Each thread
// moves `unroll` 16-byte vectors per tile with all its loads issued before its stores, so that enough bytes are in
// flight per SM. Plain C++, tested on the CPU.

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::gpu {

inline constexpr int kDoublesPerVector = 2;  // double2: 16-byte loads and stores

struct StreamShape {
  int threads = 256;       // per block
  int unroll = 1;          // vectors per thread per tile
  int blocks_per_sm = 0;   // 0: one block per tile, all tiles at once; else a grid of SMs x this, striding
};

// Shapes for the element-wise kernels (copy, scale, add, triad, write) and for the read kernel, whose per-block
// partial sums are combined with one atomic each, so it only takes grids of a few blocks per SM.
const std::vector<StreamShape>& ElementwiseShapes();
const std::vector<StreamShape>& ReductionShapes();

// Blocks to launch for `vectors` 16-byte vectors on `sms` multiprocessors; never above CUDA's grid limit
// (the kernels stride, so a capped grid still covers every vector).
std::uint64_t StreamBlocks(const StreamShape& shape, std::uint64_t vectors, int sms);

// "4224 blocks x 256 threads x 2 vectors": how the method string names a shape.
std::string DescribeShape(const StreamShape& shape, std::uint64_t blocks);

}  // namespace kiln::gpu
