#include "probes/p2p_bandwidth/slow_cells.hpp"

#include "core/statistics.hpp"

namespace kiln::gpu {

std::vector<SlowCell> SlowCells(const std::vector<std::vector<double>>& matrix, double fraction) {
  std::vector<double> cells;
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix[i].size(); ++j) {
      if (i != j) cells.push_back(matrix[i][j]);
    }
  }
  std::vector<SlowCell> slow;
  if (cells.empty()) return slow;
  double median = Median(cells);
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix[i].size(); ++j) {
      if (i != j && matrix[i][j] < fraction * median) {
        slow.push_back({static_cast<int>(i), static_cast<int>(j), matrix[i][j], median});
      }
    }
  }
  return slow;
}

}  // namespace kiln::gpu
