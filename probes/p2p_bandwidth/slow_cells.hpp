#pragma once
// The slow links of a GPU-to-GPU bandwidth matrix. Plain C++, unit-tested on the CPU.

#include <vector>

namespace kiln::gpu {

// An N x N matrix of bandwidths (row = source, column = destination; the diagonal is ignored): the cells below
// `fraction` of the median off-diagonal cell. A degraded NVLink shows as one slow cell.
struct SlowCell {
  int from, to;
  double value, median;
};
std::vector<SlowCell> SlowCells(const std::vector<std::vector<double>>& matrix, double fraction);

}  // namespace kiln::gpu
