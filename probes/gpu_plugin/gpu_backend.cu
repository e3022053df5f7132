// The GPU plugin's entry point: kiln dlopens libkiln_gpu.so and asks KilnGpuBackend() for this object.

#include <fmt/format.h>

#include "probes/gpu_plugin/gpu_backend.hpp"
#include "probes/gpu_plugin/gpu_probe_list.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"

namespace kiln::gpu {
namespace {

// The plugin's table: each probe's declaration (the same function kiln registers it from) with its run.
struct GpuProbeEntry {
  GpuProbeDeclaration (*declare)();
  ProbeOutcome (*run)(ProbeContext&);
};
#define KILN_GPU_ENTRY(declare, run) {declare, run},
constexpr GpuProbeEntry kEntries[] = {KILN_GPU_PROBES(KILN_GPU_ENTRY)};
#undef KILN_GPU_ENTRY

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

  std::vector<std::string> Probes() const override {
    std::vector<std::string> names;
    for (const GpuProbeEntry& entry : kEntries) names.push_back(entry.declare().name);
    return names;
  }

  ProbeOutcome Run(const std::string& probe, ProbeContext& ctx) override {
    for (const GpuProbeEntry& entry : kEntries) {
      if (entry.declare().name == probe) return entry.run(ctx);
    }
    return ProbeOutcome::Error(fmt::format("the GPU plugin has no probe '{}'", probe));
  }
};

}  // namespace
}  // namespace kiln::gpu

extern "C" kiln::GpuBackend* KilnGpuBackend() {
  static kiln::gpu::CudaBackend backend;
  return &backend;
}
