// The host's own memory: node_exporter's EDAC counters, per memory controller (and csrow). A DIMM going bad shows
// correctable errors that keep coming, window after window, before the uncorrectable one that panics the node; a
// patrol scrub's one burst, or a DIMM that has always logged a few a day, does not.

#include "predict/predictor.hpp"

namespace kiln::predict {

void Predictor::EvaluateHostMemory(const std::string& device, const Device& series, std::int64_t t,
                                   std::vector<Alert>& raised) {
  const std::int64_t hour = HourOf(t);
  RaisePersistent(device, series, hour,
                  {Signal::kHostMemoryCorrectable, &options_.host_memory, "node", "host_memory",
                   "host memory correctable errors growing", true, false},
                  raised);
  RaisePersistent(device, series, hour,
                  {Signal::kHostMemoryUncorrectable, &options_.uncorrectable, "node", "host_memory_uncorrectable",
                   "uncorrectable host memory errors again and again", false, true},
                  raised);
}

}  // namespace kiln::predict
