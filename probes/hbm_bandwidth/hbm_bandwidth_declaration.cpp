#include "probes/hbm_bandwidth/hbm_bandwidth.hpp"

namespace kiln {

GpuProbeDeclaration HbmBandwidthDeclaration() {
  return {"hbm_bandwidth",
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
           {"hbm.wrong_elements", "count", false, "elements that differ from the expected result", true}},
          {.failure_category = "HBM"}};
}

}  // namespace kiln
