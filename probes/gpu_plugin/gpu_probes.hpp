#pragma once
// The GPU probes as kiln sees them, one per declaration (probes/gpu_toolkit/gpu_probe_declaration.hpp); their runs are in
// the GPU plugin.

#include <memory>
#include <vector>

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

// Every GPU probe's declaration, in the order `kiln list probes` shows them (gpu_probe_list.hpp).
std::vector<GpuProbeDeclaration> GpuProbeDeclarations();

std::vector<std::unique_ptr<Probe>> MakeGpuProbes();

}  // namespace kiln
