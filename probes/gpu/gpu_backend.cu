// The GPU plugin's entry point: kiln dlopens libkiln_gpu.so and asks KilnGpuBackend() for this object.

#include <fmt/format.h>

#include "probes/gpu/cuda_support.hpp"
#include "probes/gpu/gpu_backend.hpp"
#include "probes/gpu/gpu_runs.hpp"

namespace kiln::gpu {
namespace {

class CudaBackend final : public GpuBackend {
 public:
  std::optional<std::string> Unavailable() override {
    int count = 0;
    cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc == cudaErrorNoDevice || (rc == cudaSuccess && count == 0)) return "no CUDA device on this node";
    if (rc == cudaErrorInsufficientDriver) return "no NVIDIA driver (or one too old for this CUDA runtime)";
    if (rc != cudaSuccess) return fmt::format("CUDA unavailable: {} ({})", cudaGetErrorString(rc), cudaGetErrorName(rc));
    return std::nullopt;
  }

  ProbeOutcome Run(const std::string& probe, ProbeContext& ctx) override {
    if (probe == "hbm_bandwidth") return RunHbmBandwidth(ctx);
    if (probe == "gpu_stress") return RunGpuStress(ctx);
    if (probe == "p2p_bandwidth") return RunP2pBandwidth(ctx);
    if (probe == "pcie") return RunPcie(ctx);
    if (probe == "nccl") return RunNccl(ctx);
    return ProbeOutcome::Error(fmt::format("the GPU plugin has no probe '{}'", probe));
  }
};

}  // namespace
}  // namespace kiln::gpu

extern "C" kiln::GpuBackend* KilnGpuBackend() {
  static kiln::gpu::CudaBackend backend;
  return &backend;
}
