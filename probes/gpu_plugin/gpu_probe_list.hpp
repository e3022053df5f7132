#pragma once
// The one list of GPU probes. kiln registers a probe from each declaration (gpu_probes.cpp) and the plugin pairs
// the same declaration with its run (gpu_backend.cu); both expand this list, so they cannot disagree. Adding a GPU
// probe: its folder (NAME.hpp declaring both functions, NAME_declaration.cpp, NAME.cu, sources.cmake), an include
// here and one line in the list. Plain C++: the headers declare the runs without CUDA.

#include "probes/gpu_stress/gpu_stress.hpp"
#include "probes/hbm_bandwidth/hbm_bandwidth.hpp"
#include "probes/nccl/nccl.hpp"
#include "probes/p2p_bandwidth/p2p_bandwidth.hpp"
#include "probes/pcie/pcie.hpp"

// X(declaration function, run function), in the order `kiln list probes` shows them.
#define KILN_GPU_PROBES(X)                        \
  X(GpuStressDeclaration, gpu::RunGpuStress)       \
  X(HbmBandwidthDeclaration, gpu::RunHbmBandwidth) \
  X(P2pBandwidthDeclaration, gpu::RunP2pBandwidth) \
  X(PcieDeclaration, gpu::RunPcie)                 \
  X(NcclDeclaration, gpu::RunNccl)
