#pragma once
// The p2p_bandwidth probe (GPU-to-GPU bandwidth within a node): its declaration, in plain C++ (kiln lists and judges it without CUDA), and its
// run, in p2p_bandwidth.cu (compiled into the GPU plugin only).

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

GpuProbeDeclaration P2pBandwidthDeclaration();

namespace gpu {
ProbeOutcome RunP2pBandwidth(ProbeContext& ctx);
}  // namespace gpu

}  // namespace kiln
