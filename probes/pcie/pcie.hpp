#pragma once
// The pcie probe (host<->device bandwidth): its declaration, in plain C++ (kiln lists and judges it without CUDA), and its
// run, in pcie.cu (compiled into the GPU plugin only).

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

GpuProbeDeclaration PcieDeclaration();

namespace gpu {
ProbeOutcome RunPcie(ProbeContext& ctx);
}  // namespace gpu

}  // namespace kiln
