#pragma once
// One reading of `kiln watch`: a metric (dcgm-exporter's or node_exporter's name, so that `kiln predict` and
// Prometheus take it as is), the labels that name its device, and the value now.

#include <string>
#include <utility>
#include <vector>

namespace kiln::predict {

struct Reading {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;  // {"gpu", "3"} or {"device", "mlx5_0"}, {"port", "1"}
  double value = 0;
  bool counter = false;  // only ever grows (until a reset); a gauge otherwise
  // One occurrence of an event whose code the gauge holds (DCGM_FI_DEV_XID_ERRORS): written even when the code
  // repeats, after a 0 ("none"), so that `kiln predict`, which counts a change to a hardware XID, counts each.
  bool event = false;
};

}  // namespace kiln::predict
