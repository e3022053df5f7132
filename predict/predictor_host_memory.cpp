// The host's own memory: node_exporter's EDAC counters, per memory controller (and csrow). A DIMM going bad shows
// correctable errors that keep coming, window after window, before the uncorrectable one that panics the node; a
// patrol scrub's one burst, or a DIMM that has always logged a few a day, does not.

#include <fmt/format.h>

#include "predict/predictor.hpp"

namespace kiln::predict {

void Predictor::EvaluateHostMemory(const std::string& device, const Device& series, std::int64_t t,
                                   std::vector<Alert>& raised) {
  std::int64_t hour = HourOf(t);
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kHostMemoryCorrectable)]) {
    Persistence p = Measure(states_[id].counter, hour, options_.host_memory);
    if (!p.Holds(options_.host_memory) || !Outgrown(states_[id].counter, hour)) continue;
    raised.push_back(Candidate("node", device, "host_memory",
                               fmt::format("host memory correctable errors growing ({})",
                                           p.Describe(options_.host_memory)),
                               p.Evidence(keys_[id].metric)));
  }
  for (std::uint32_t id : series.by_signal[static_cast<int>(Signal::kHostMemoryUncorrectable)]) {
    Persistence p = Measure(states_[id].counter, hour, options_.uncorrectable);
    if (!p.Holds(options_.uncorrectable)) continue;
    raised.push_back(Candidate("node", device, "host_memory_uncorrectable",
                               fmt::format("uncorrectable host memory errors again and again ({}: {})",
                                           keys_[id].metric, p.Describe(options_.uncorrectable)),
                               p.Evidence(keys_[id].metric)));
  }
}

}  // namespace kiln::predict
