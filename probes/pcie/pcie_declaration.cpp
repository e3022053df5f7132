#include "probes/pcie/pcie.hpp"

namespace kiln {

GpuProbeDeclaration PcieDeclaration() {
  return {"pcie",
          "host<->device bandwidth per GPU with pinned memory near the GPU: H2D, D2H, bidirectional",
          Scope::kNode,
          {{"size", ParamType::kBytes, "256MiB", "bytes per copy"}, {"samples", ParamType::kInt, "5", "timed copies"}},
          {{"pcie.h2d_bw", "GB/s", true, "host to device"},
           {"pcie.d2h_bw", "GB/s", true, "device to host"},
           {"pcie.bidir_bw", "GB/s", true, "both at once, summed"}},
          {.failure_category = "PCIe"}};
}

}  // namespace kiln
