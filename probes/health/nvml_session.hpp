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

 private:
  NvmlSession() = default;
  struct Api;
  void* library_ = nullptr;
  std::unique_ptr<Api> api_;
};

}  // namespace kiln
