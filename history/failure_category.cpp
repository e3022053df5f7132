#include "history/failure_category.hpp"

namespace kiln {
namespace {

bool Contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

std::string FailureCategory(const Verdict& v) {
  const std::string& probe = v.probe;
  const std::string& metric = v.metric;
  if (v.outcome == Outcome::kError && metric.empty()) return "software";
  if (probe == "run" || probe == "launch" || probe == "sleep") return "software";
  if (Contains(metric, "wrong") || Contains(metric, "mismatch") || Contains(metric, "corrupt")) {
    return "silent data corruption";
  }
  if (probe == "gpu_stress") return "GPU";
  if (probe == "hbm_bandwidth") return "HBM";
  if (probe == "p2p_bandwidth") return "NVLink";
  if (probe == "pcie") return "PCIe";
  if (probe == "mpi_link" || probe == "mpi_allreduce" || probe == "ib_link" || probe == "ib_loopback" ||
      probe == "nccl") {
    return "network";
  }
  if (probe == "health") {
    if (Contains(metric, "nvlink")) return "NVLink";
    if (Contains(metric, "pcie")) return "PCIe";
    if (Contains(metric, "ecc") || Contains(metric, "remap") || Contains(metric, "hbm")) return "HBM";
    if (Contains(metric, "gpu") || Contains(metric, "xid") || Contains(metric, "clock")) return "GPU";
    if (Contains(metric, "ib") || Contains(metric, "link")) return "network";
  }
  return "host";
}

}  // namespace kiln
