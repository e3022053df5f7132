#include "probes/gpu_stress/gpu_stress.hpp"

#include "probes/gpu_stress/burn_telemetry.hpp"

namespace kiln {

GpuProbeDeclaration GpuStressDeclaration() {
  return {"gpu_stress",
          "GEMM burn (cuBLAS) filling most of free memory; every result compared with the first (silent data corruption)",
          Scope::kNode,
          {{"duration", ParamType::kDuration, "60s", "how long to burn each GPU"},
           {"types", ParamType::kString, "bf16,fp32", "GEMM types: fp64, fp32, tf32, bf16, fp16 (comma-separated)", "type"},
           {"matrix_size", ParamType::kInt, "8192", "n of the n x n matrices (gpu-burn: 8192)"},
           {"memory_fraction", ParamType::kDouble, "0.9", "share of free memory to fill with result matrices"},
           {"sample_interval", ParamType::kDuration, "1s", "how often TFLOPS and NVML readings are sampled"}},
          {{"gpu.stress.tflops", "TFLOPS", true, "sustained GEMM throughput per GPU and type, after the clocks settle"},
           {"gpu.stress.burst_tflops", "TFLOPS", true, "the fastest 0.1 s of GEMMs in the burn's first second, before the power limit holds the clock"},
           {"gpu.stress.tflops_timeline", "TFLOPS", true, "GEMM throughput per sample over the whole burn, in order"},
           {"gpu.stress.wrong_elements", "count", false, "result elements differing from the first result", true},
           {"gpu.stress.temperature", "C", false, "GPU temperature during the burn (label type: while that GEMM type ran)"},
           {"gpu.stress.power", "W", true, "board power during the burn (label type: while that GEMM type ran)"},
           {"gpu.stress.sm_clock", "MHz", true, "SM clock during the burn (label type: while that GEMM type ran)"},
           {"gpu.stress.throttle_faults", "count", false, "samples with a clock throttle reason that is a fault"},
           {"gpu.stress.power_limit", "W", true, "the enforced power limit during the burn"},
           {"gpu.stress.sm_clock_max", "MHz", true, "the SM clock's maximum"},
           {"gpu.stress.throttle_share", "%", false, "share of samples with each throttle reason (label reason; label type: while that GEMM type ran)"}},
          {.failure_category = "GPU", .cause = BurnCauseSeries()}};
}

}  // namespace kiln
