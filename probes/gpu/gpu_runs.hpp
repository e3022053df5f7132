#pragma once
// The runs of the GPU probes, implemented in the plugin's .cu files.

#include "core/probe.hpp"

namespace kiln::gpu {

ProbeOutcome RunHbmBandwidth(ProbeContext& ctx);
ProbeOutcome RunGpuStress(ProbeContext& ctx);
ProbeOutcome RunP2pBandwidth(ProbeContext& ctx);
ProbeOutcome RunPcie(ProbeContext& ctx);
ProbeOutcome RunNccl(ProbeContext& ctx);

}  // namespace kiln::gpu
