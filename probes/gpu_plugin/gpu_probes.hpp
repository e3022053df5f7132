#pragma once
// The GPU probes as kiln sees them, one per declaration (probes/gpu_plugin/gpu_probe_declaration.hpp); their runs are in
// the GPU plugin.

#include <memory>
#include <vector>

#include "core/probe.hpp"

namespace kiln {

std::vector<std::unique_ptr<Probe>> MakeGpuProbes();

}  // namespace kiln
