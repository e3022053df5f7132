#pragma once
// The gpu_stress probe (GEMM burn: cuBLAS GEMMs filling memory, every result compared with the first): its declaration, in plain C++ (kiln lists and judges it without CUDA), and its
// run, in gpu_stress.cu (compiled into the GPU plugin only).

#include "core/probe.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"

namespace kiln {

GpuProbeDeclaration GpuStressDeclaration();

namespace gpu {
ProbeOutcome RunGpuStress(ProbeContext& ctx);
}  // namespace gpu

}  // namespace kiln
