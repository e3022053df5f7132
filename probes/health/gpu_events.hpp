#pragma once
// What NVML and the kernel say about a GPU's events, as data: clock throttle (event) reasons and the XIDs that
// fail a node. Read by the health probe (kernel log) and the GEMM burn (throttle reasons during the burn).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln::gpu {

// NVML clock throttle (event) reasons, decoded to names. Bits per nvml.h (nvmlClocksEventReason*).
std::vector<std::string> DecodeThrottleReasons(std::uint64_t mask);
// Azure's rule: any reason other than idle, none (0) or the application/software power cap is a fault.
bool ThrottleIsFault(std::uint64_t mask);
// Share of samples (%) in which each reason that slows a GPU under load was set: the power cap and every fault
// reason, in nvml.h's order, each listed even at 0%: what a failing verdict's cause line reads.
std::vector<std::pair<std::string, double>> ThrottleShares(const std::vector<std::uint64_t>& masks);

// XIDs that mean the GPU or its links need attention (the Azure HPC health checks' list).
bool XidIsFatal(int xid);
std::string_view XidMeaning(int xid);

}  // namespace kiln::gpu
