#include "probes/nccl/nccl.hpp"

namespace kiln {

GpuProbeDeclaration NcclDeclaration() {
  return {"nccl",
          "NCCL collectives over all GPUs of the job (communicator from MPI): algbw, busbw, results checked",
          Scope::kGroup,
          {{"collectives", ParamType::kString, "all_reduce", "all_reduce, all_gather, reduce_scatter, alltoall, broadcast", "collective"},
           {"sizes", ParamType::kByteList, "8B..16GiB", "message sizes", "size"},
           {"samples", ParamType::kInt, "5", "timed samples per size"},
           {"iterations", ParamType::kInt, "20", "collectives per sample (nccl-tests: -n 20)"},
           {"algo", ParamType::kString, "", "NCCL_ALGO for this step (RING to measure the network); empty = NCCL's choice"}},
          {{"nccl.busbw", "GB/s", true, "bus bandwidth (nccl-tests formula) per collective and size"},
           {"nccl.algbw", "GB/s", true, "algorithm bandwidth per collective and size"},
           {"nccl.time", "us", false, "time of one collective"},
           {"nccl.wrong_elements", "count", false, "result elements that differ from the exact result", true}},
          {.failure_category = "network"}};
}

}  // namespace kiln
