#pragma once
// The few numbers a reader looks for first, per subject: STREAM and HBM bandwidth, sustained TFLOPS per type,
// PCIe, the peak bus bandwidth of each collective. The terminal summary opens with them.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kiln {

struct KeyNumberRow {
  std::string subject;             // "vm/gpu0", "node7", "all 8 nodes"
  std::vector<std::string> cells;  // "HBM triad 4421 GB/s", "bf16 688 TFLOPS"
};

// In report order of subjects; at most `max_rows` rows (the rest are counted in `more`).
std::vector<KeyNumberRow> KeyNumbers(const nlohmann::json& report, std::size_t max_rows, std::size_t* more = nullptr);

}  // namespace kiln
