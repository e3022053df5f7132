#pragma once
// `kiln schedule --kind systemd`'s collector: kiln-watch.service runs `kiln watch` on the node, always, for
// `kiln predict` (docs/predict.md), restarted when it fails, in a sandbox that still reads /sys (InfiniBand
// counters) and opens /dev/nvidia* (NVML).

#include <string>

namespace kiln {

struct WatchUnitOptions {
  std::string kiln;     // the kiln binary (an absolute plain path)
  std::string out_dir;  // samples.jsonl and kiln-watch.prom go here (absolute); under /var/lib, systemd makes it
  std::string interval = "60s";
};

// The folder kiln-watch.service writes to when none is named: systemd's StateDirectory, made on the first start.
inline constexpr const char* kDefaultWatchFolder = "/var/lib/kiln-watch";

// kiln-watch.service's text. Throws InputError for a folder or binary that is not a plain absolute path (named as
// --watch-out, --kiln), or an interval that is not a duration of at least 10 ms (--watch-interval).
std::string MakeWatchUnit(const WatchUnitOptions& options, const std::string& generated);

}  // namespace kiln
