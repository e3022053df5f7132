#pragma once
// The hbm_bandwidth probe (device memory bandwidth): its declaration, in plain C++ (kiln lists and judges it without CUDA), and its
// run, in hbm_bandwidth.cu (compiled into the GPU plugin only).

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

GpuProbeDeclaration HbmBandwidthDeclaration();

namespace gpu {
ProbeOutcome RunHbmBandwidth(ProbeContext& ctx);
}  // namespace gpu

}  // namespace kiln
