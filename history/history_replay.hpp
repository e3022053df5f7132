#pragma once
// The history as a replay for `kiln predict` (docs/predict.md, "Kiln's own signals"): every stored value of a node,
// device or pair subject as one JSON line, named and scaled as metrics.prom names them, so that the history and a
// Prometheus export of Kiln's textfiles replay alike:
//   {"t": <the sweep's finish>, "node": "n1", "metric": "kiln_hbm_copy_bw_bytes_per_second",
//    "labels": {"device": "gpu0", "gpu": "0"}, "value": 3.1e12}
// A pair's value belongs to its first node, with the other as "peer"; a measurement's own labels follow
// ("type", "rail"; a size as "size_bytes").

#include <string>

#include "history/stability.hpp"

namespace kiln {

struct HistoryReplay {
  std::string lines;  // JSON Lines, in the history's order (subject, series, time)
  int samples = 0;
  int series = 0;
};

HistoryReplay HistoryReplayLines(const HistoryDb& db, const HistoryQuery& query);

}  // namespace kiln
