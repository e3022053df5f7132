#pragma once
// The nccl probe (NCCL collectives over every GPU of the job): its declaration, in plain C++ (kiln lists and judges it without CUDA), and its
// run, in nccl.cu (compiled into the GPU plugin only).

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

GpuProbeDeclaration NcclDeclaration();

namespace gpu {
ProbeOutcome RunNccl(ProbeContext& ctx);
}  // namespace gpu

}  // namespace kiln
