#include "probes/gpu/gpu_probes.hpp"

#include "probes/gpu/gpu_backend_loader.hpp"

namespace kiln {
namespace {

struct GpuProbeSpec {
  std::string name;
  std::string description;
  Scope scope;
  std::vector<ParamSpec> params;
  std::vector<MetricSpec> metrics;
};

class GpuProbe final : public Probe {
 public:
  explicit GpuProbe(GpuProbeSpec spec) : spec_(std::move(spec)) {}
  std::string Name() const override { return spec_.name; }
  std::string Description() const override { return spec_.description; }
  Scope scope() const override { return spec_.scope; }
  std::vector<ParamSpec> Parameters() const override { return spec_.params; }
  std::vector<MetricSpec> Metrics() const override { return spec_.metrics; }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override {
    const LoadedGpuBackend& loaded = LoadGpuBackend();
    if (loaded.backend == nullptr) return loaded.error;
    return loaded.backend->Unavailable();
  }
  ProbeOutcome Run(ProbeContext& ctx) override { return LoadGpuBackend().backend->Run(spec_.name, ctx); }

 private:
  GpuProbeSpec spec_;
};

std::vector<GpuProbeSpec> Specs() {
  return {
      {"gpu_stress",
       "GEMM burn (cuBLAS) filling most of free memory; every result compared with the first (silent data corruption)",
       Scope::kNode,
       {{"duration", ParamType::kDuration, "60s", "how long to burn each GPU"},
        {"types", ParamType::kString, "bf16,fp32", "GEMM types: fp64, fp32, tf32, bf16, fp16 (comma-separated)"},
        {"matrix_size", ParamType::kInt, "8192", "n of the n x n matrices (gpu-burn: 8192)"},
        {"memory_fraction", ParamType::kDouble, "0.9", "share of free memory to fill with result matrices"},
        {"sample_interval", ParamType::kDuration, "1s", "how often TFLOPS and NVML readings are sampled"}},
       {{"gpu.stress.tflops", "TFLOPS", true, "achieved GEMM throughput per GPU and type"},
        {"gpu.stress.wrong_elements", "count", false, "result elements differing from the first result", true},
        {"gpu.stress.temperature", "C", false, "GPU temperature during the burn"},
        {"gpu.stress.power", "W", true, "board power during the burn"},
        {"gpu.stress.sm_clock", "MHz", true, "SM clock during the burn"},
        {"gpu.stress.throttle_faults", "count", false, "samples with a clock throttle reason that is a fault"},
        {"gpu.stress.power_limit", "W", true, "the enforced power limit during the burn"},
        {"gpu.stress.sm_clock_max", "MHz", true, "the SM clock's maximum"},
        {"gpu.stress.throttle_share", "%", false, "share of samples with each throttle reason (label reason)"}}},
      {"hbm_bandwidth",
       "device memory bandwidth: STREAM copy/scale/add/triad, read-only and write-only kernels, best launch shape",
       Scope::kNode,
       {{"array_size", ParamType::kBytes, "0", "bytes per array; 0 = a third of 80% of free memory"},
        {"samples", ParamType::kInt, "20", "timed runs per kernel and shape"}},
       {{"hbm.copy_bw", "GB/s", true, "device copy"},
        {"hbm.scale_bw", "GB/s", true, "device scale"},
        {"hbm.add_bw", "GB/s", true, "device add"},
        {"hbm.triad_bw", "GB/s", true, "device triad"},
        {"hbm.read_bw", "GB/s", true, "read-only kernel"},
        {"hbm.write_bw", "GB/s", true, "write-only kernel"},
        {"hbm.wrong_elements", "count", false, "elements that differ from the expected result", true}}},
      {"p2p_bandwidth",
       "GPU-to-GPU matrix within a node: copy engine and SM copies, unidirectional and bidirectional, latency",
       Scope::kNode,
       {{"size", ParamType::kBytes, "512MiB", "bytes per copy (nvbandwidth: 512MiB)"},
        {"samples", ParamType::kInt, "3", "timed copies per cell (nvbandwidth: median of 3)"},
        {"slow_fraction", ParamType::kDouble, "0.8", "a cell below this share of the median cell is flagged"}},
       {{"p2p.ce_unidir_bw", "GB/s", true, "cudaMemcpyPeerAsync, one direction, per GPU pair"},
        {"p2p.ce_bidir_bw", "GB/s", true, "cudaMemcpyPeerAsync, both directions at once"},
        {"p2p.sm_read_bw", "GB/s", true, "SM copy kernel reading from the peer"},
        {"p2p.sm_write_bw", "GB/s", true, "SM copy kernel writing to the peer"},
        {"p2p.latency", "us", false, "peer access latency"},
        {"p2p.slow_cells", "count", false, "pairs below slow_fraction of the median pair"}}},
      {"pcie",
       "host<->device bandwidth per GPU with pinned memory near the GPU: H2D, D2H, bidirectional",
       Scope::kNode,
       {{"size", ParamType::kBytes, "256MiB", "bytes per copy"}, {"samples", ParamType::kInt, "5", "timed copies"}},
       {{"pcie.h2d_bw", "GB/s", true, "host to device"},
        {"pcie.d2h_bw", "GB/s", true, "device to host"},
        {"pcie.bidir_bw", "GB/s", true, "both at once, summed"}}},
      {"nccl",
       "NCCL collectives over all GPUs of the job (communicator from MPI): algbw, busbw, results checked",
       Scope::kGroup,
       {{"collectives", ParamType::kString, "all_reduce", "all_reduce, all_gather, reduce_scatter, alltoall, broadcast"},
        {"sizes", ParamType::kByteList, "8B..16GiB", "message sizes"},
        {"samples", ParamType::kInt, "5", "timed samples per size"},
        {"iterations", ParamType::kInt, "20", "collectives per sample (nccl-tests: -n 20)"},
        {"algo", ParamType::kString, "", "NCCL_ALGO for this step (RING to measure the network); empty = NCCL's choice"}},
       {{"nccl.busbw", "GB/s", true, "bus bandwidth (nccl-tests formula) per collective and size"},
        {"nccl.algbw", "GB/s", true, "algorithm bandwidth per collective and size"},
        {"nccl.time", "us", false, "time of one collective"},
        {"nccl.wrong_elements", "count", false, "result elements that differ from the exact result", true}}},
  };
}

}  // namespace

std::vector<std::unique_ptr<Probe>> MakeGpuProbes() {
  std::vector<std::unique_ptr<Probe>> probes;
  for (GpuProbeSpec& spec : Specs()) probes.push_back(std::make_unique<GpuProbe>(std::move(spec)));
  return probes;
}

}  // namespace kiln
