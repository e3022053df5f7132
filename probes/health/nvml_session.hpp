#pragma once
// An open NVML (loaded with dlopen) for readings during a run and GPU health checks. Functions are looked up
// one by one: a reading an older driver lacks is reported as absent, never invented.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct GpuSample {
  std::optional<double> temperature_c;
  std::optional<double> power_w;
  std::optional<double> sm_clock_mhz;
  std::optional<std::uint64_t> throttle_reasons;  // NVML clock event reason bits
  std::optional<double> power_limit_w;            // the enforced power limit
  std::optional<double> sm_clock_max_mhz;         // the SM clock's maximum
};

struct GpuHealth {
  std::optional<bool> persistence_mode;
  std::optional<bool> ecc_enabled;
  std::optional<std::uint64_t> ecc_uncorrected_volatile;
  std::optional<std::uint64_t> ecc_uncorrected_aggregate;
  std::optional<std::uint64_t> ecc_corrected_volatile;
  std::optional<unsigned> remapped_rows_uncorrectable;
  std::optional<bool> remap_pending;
  std::optional<bool> remap_failed;
  std::optional<unsigned> pcie_gen_current, pcie_gen_max, pcie_width_current, pcie_width_max;
  std::optional<int> nvlinks_active;  // links reported active out of those that exist
  std::optional<int> nvlinks_total;
  std::string vbios;
  std::string pci_bus_id;
};

// The counters `kiln watch` reads every interval, and nothing else (a health check's NVLink walk and strings would
// cost 30 calls a GPU each time).
struct GpuCounters {
  std::optional<double> temperature_c, power_w, sm_clock_mhz;
  std::optional<std::uint64_t> throttle_reasons;
  std::optional<std::uint64_t> ecc_corrected_volatile, ecc_uncorrected_volatile, ecc_uncorrected_aggregate;
  std::optional<unsigned> remapped_rows_correctable, remapped_rows_uncorrectable;
  std::optional<bool> remap_pending, remap_failed;
  std::optional<unsigned> pcie_replays;  // PCIe replay counter (nvmlDeviceGetPcieReplayCounter)
  std::optional<unsigned> pcie_width_current;
  // The first call that failed for another reason than "not supported" ("nvmlDeviceGetTemperature: GPU is lost");
  // empty when every reading worked or the GPU simply lacks it.
  std::string error;
};

// XID events of one GPU since the last look.
struct XidEvents {
  bool watched = false;                  // an NVML event set listens for this GPU's XIDs: none missed
  std::vector<unsigned long long> xids;  // oldest first
  std::string error;                     // why it is not watched, or a wait failed (empty: not supported)
};

class NvmlSession {
 public:
  // nullptr (and `why` set) when NVML cannot be loaded or initialised.
  static std::unique_ptr<NvmlSession> Open(const std::string& library, std::string* why);
  ~NvmlSession();
  NvmlSession(const NvmlSession&) = delete;
  NvmlSession& operator=(const NvmlSession&) = delete;

  int DeviceCount() const;
  GpuSample Sample(int index) const;
  GpuHealth Health(int index) const;
  GpuCounters Counters(int index) const;
  // XIDs of GPU `index` (nvmlEventTypeXidCriticalError) since the last call, without waiting. The first call
  // registers an event set for the GPU: events before it are not seen. Not watched (and none invented) when the
  // driver lacks event sets or the GPU does not support them.
  XidEvents TakeXidEvents(int index);

 private:
  NvmlSession() = default;
  struct Api;
  void* library_ = nullptr;
  std::unique_ptr<Api> api_;
};

}  // namespace kiln
