#include "probes/hbm_bandwidth/stream_shapes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kiln::gpu {

const std::vector<StreamShape>& ElementwiseShapes() {
  static const std::vector<StreamShape> shapes{
      {256, 1, 0}, {256, 2, 0}, {256, 4, 0}, {128, 4, 0}, {512, 2, 0}, {1024, 1, 0},
      {256, 4, 8}, {512, 4, 4}, {1024, 2, 2}};
  return shapes;
}

const std::vector<StreamShape>& ReductionShapes() {
  static const std::vector<StreamShape> shapes{
      {256, 4, 8}, {256, 8, 8}, {512, 4, 4}, {1024, 2, 2}, {1024, 4, 2}, {256, 2, 16}};
  return shapes;
}

std::uint64_t StreamBlocks(const StreamShape& shape, std::uint64_t vectors, int sms) {
  constexpr std::uint64_t kGridLimit = 2147483647;  // gridDim.x
  if (shape.blocks_per_sm > 0) {
    return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max(sms, 1)) *
                                         static_cast<std::uint64_t>(shape.blocks_per_sm), 1, kGridLimit);
  }
  std::uint64_t tile = static_cast<std::uint64_t>(shape.threads) * static_cast<std::uint64_t>(shape.unroll);
  return std::clamp<std::uint64_t>((vectors + tile - 1) / tile, 1, kGridLimit);
}

std::string DescribeShape(const StreamShape& shape, std::uint64_t blocks) {
  return fmt::format("{} blocks x {} threads x {} vector{}", blocks, shape.threads, shape.unroll,
                     shape.unroll == 1 ? "" : "s");
}

}  // namespace kiln::gpu
