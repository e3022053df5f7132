#include "probes/health/gpu_events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace kiln::gpu {
namespace {

struct ThrottleBit {
  std::uint64_t bit;
  std::string_view name;
  bool benign;
};
// nvml.h: nvmlClocksEventReasonGpuIdle 0x1, ApplicationsClocksSetting 0x2, SwPowerCap 0x4, HwSlowdown 0x8,
// SyncBoost 0x10, SwThermalSlowdown 0x20, HwThermalSlowdown 0x40, HwPowerBrakeSlowdown 0x80,
// DisplayClockSetting 0x100.
constexpr std::array<ThrottleBit, 9> kThrottleBits{{
    {0x1, "gpu_idle", true},
    {0x2, "applications_clocks_setting", true},
    {0x4, "sw_power_cap", true},
    {0x8, "hw_slowdown", false},
    {0x10, "sync_boost", true},
    {0x20, "sw_thermal_slowdown", false},
    {0x40, "hw_thermal_slowdown", false},
    {0x80, "hw_power_brake_slowdown", false},
    {0x100, "display_clock_setting", true},
}};

struct Xid {
  int xid;
  std::string_view meaning;
};
constexpr std::array<Xid, 18> kFatalXids{{
    {48, "double-bit ECC error"},
    {56, "display engine error"},
    {57, "error programming video memory interface"},
    {58, "unstable video memory interface detected"},
    {62, "internal micro-controller halt"},
    {63, "ECC page retirement or row remapping recording event"},
    {64, "ECC page retirement or row remapper recording failure"},
    {65, "video processor exception"},
    {68, "NVDEC0 exception"},
    {69, "graphics engine class error"},
    {73, "NVENC2 error"},
    {74, "NVLink error"},
    {79, "GPU has fallen off the bus"},
    {80, "corrupted data sent to GPU"},
    {81, "VGA subsystem error"},
    {92, "high single-bit ECC error rate"},
    {119, "GSP RPC timeout"},
    {120, "GSP error"},
}};

}  // namespace

std::vector<std::string> DecodeThrottleReasons(std::uint64_t mask) {
  std::vector<std::string> names;
  std::uint64_t known = 0;
  for (const ThrottleBit& b : kThrottleBits) {
    known |= b.bit;
    if (mask & b.bit) names.emplace_back(b.name);
  }
  if (mask & ~known) names.push_back(fmt::format("unknown_0x{:x}", mask & ~known));
  return names;
}

bool ThrottleIsFault(std::uint64_t mask) {
  for (const ThrottleBit& b : kThrottleBits) {
    if ((mask & b.bit) && !b.benign) return true;
  }
  std::uint64_t known = 0;
  for (const ThrottleBit& b : kThrottleBits) known |= b.bit;
  return (mask & ~known) != 0;
}

std::vector<std::pair<std::string, double>> ThrottleShares(const std::vector<std::uint64_t>& masks) {
  std::vector<std::pair<std::string, double>> shares;
  if (masks.empty()) return shares;
  for (const ThrottleBit& b : kThrottleBits) {
    if (b.benign && b.bit != 0x4) continue;  // idle, clocks settings, sync boost say nothing about load
    auto set = std::count_if(masks.begin(), masks.end(), [&](std::uint64_t mask) { return (mask & b.bit) != 0; });
    shares.emplace_back(b.name, 100.0 * static_cast<double>(set) / static_cast<double>(masks.size()));
  }
  return shares;
}

bool XidIsFatal(int xid) {
  return std::any_of(kFatalXids.begin(), kFatalXids.end(), [xid](const Xid& x) { return x.xid == xid; });
}

std::string_view XidMeaning(int xid) {
  for (const Xid& x : kFatalXids) {
    if (x.xid == xid) return x.meaning;
  }
  return "not in the list of XIDs that fail a node";
}

}  // namespace kiln::gpu
