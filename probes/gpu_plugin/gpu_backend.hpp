#pragma once
// The interface between kiln and its GPU plugin (libkiln_gpu.so, built from the .cu files). kiln has no
// link-time dependency on CUDA, cuBLAS or NCCL: it loads the plugin with dlopen, and a host without them
// reports the GPU probes as skipped with the loader's reason.

#include <optional>
#include <string>
#include <vector>

#include "core/probe.hpp"

namespace kiln {

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;
  // Why this machine cannot run GPU probes (no driver, no device), or nullopt when it can. Cheap.
  virtual std::optional<std::string> Unavailable() = 0;
  // The probes this plugin can run: the names of the declarations in its table.
  virtual std::vector<std::string> Probes() const = 0;
  // Runs the GPU probe named `probe` (one of Probes()) with `ctx`. Same contract as Probe::Run.
  virtual ProbeOutcome Run(const std::string& probe, ProbeContext& ctx) = 0;
};

}  // namespace kiln

// The plugin's one exported symbol.
extern "C" kiln::GpuBackend* KilnGpuBackend();
