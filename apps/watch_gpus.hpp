#pragma once
// `kiln watch`'s GPU readings: NVML's counters per GPU under dcgm-exporter's names, and XID events as its
// DCGM_FI_DEV_XID_ERRORS gauge (docs/predict.md, "kiln watch").

#include <memory>
#include <string>
#include <vector>

#include "predict/reading.hpp"
#include "probes/health/nvml_session.hpp"

namespace kiln {

class WatchedGpus {
 public:
  explicit WatchedGpus(std::unique_ptr<NvmlSession> nvml) : nvml_(std::move(nvml)) {}

  // Appends this reading's GPU readings. The XID gauge holds the last XID seen (0 before any); each XID event
  // since the last reading is an event reading, in order. A GPU whose NVML calls fail keeps what it still answers,
  // and its failure is appended to `problems` ("GPU 1: nvmlDeviceGetTemperature: GPU is lost") at every reading:
  // the caller says each once. Never throws for a GPU's sake.
  void Read(std::vector<predict::Reading>& readings, std::vector<std::string>& problems);

 private:
  std::unique_ptr<NvmlSession> nvml_;
  std::vector<double> last_xid_;  // per GPU
};

}  // namespace kiln
