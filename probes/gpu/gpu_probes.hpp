#pragma once
// The GPU probes as kiln sees them: names, scopes, typed parameters, metrics. Their runs are in the GPU plugin.

#include <memory>
#include <vector>

#include "core/probe.hpp"

namespace kiln {

std::vector<std::unique_ptr<Probe>> MakeGpuProbes();

}  // namespace kiln
