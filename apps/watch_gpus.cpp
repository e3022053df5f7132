#include "apps/watch_gpus.hpp"

#include <fmt/format.h>

namespace kiln {

void WatchedGpus::Read(std::vector<predict::Reading>& readings, std::vector<std::string>& problems) {
  const int count = nvml_->DeviceCount();  // once a reading: each call is a driver call
  for (int index = 0; index < count; ++index) {
    std::vector<std::pair<std::string, std::string>> gpu = {{"gpu", std::to_string(index)}};
    auto add = [&](const char* metric, auto value, bool counter) {
      if (value) readings.push_back({metric, gpu, static_cast<double>(*value), counter});
    };
    GpuCounters c = nvml_->Counters(index);
    add("DCGM_FI_DEV_GPU_TEMP", c.temperature_c, false);
    add("DCGM_FI_DEV_POWER_USAGE", c.power_w, false);
    add("DCGM_FI_DEV_SM_CLOCK", c.sm_clock_mhz, false);
    add("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", c.throttle_reasons, false);
    add("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", c.ecc_corrected_volatile, true);
    add("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", c.ecc_uncorrected_volatile, true);
    add("DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", c.ecc_uncorrected_aggregate, true);
    add("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", c.remapped_rows_correctable, true);
    add("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", c.remapped_rows_uncorrectable, true);
    add("DCGM_FI_DEV_ROW_REMAP_PENDING", c.remap_pending, false);
    add("DCGM_FI_DEV_ROW_REMAP_FAILURE", c.remap_failed, false);
    add("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", c.pcie_replays, true);
    add("DCGM_FI_DEV_PCIE_LINK_WIDTH", c.pcie_width_current, false);
    if (!c.error.empty()) problems.push_back(fmt::format("GPU {}: {}", index, c.error));
    XidEvents xids = nvml_->TakeXidEvents(index);
    if (!xids.error.empty()) problems.push_back(fmt::format("GPU {}: XID events: {}", index, xids.error));
    if (!xids.watched) continue;  // no gauge: an XID could come unseen
    if (last_xid_.size() <= static_cast<std::size_t>(index)) last_xid_.resize(static_cast<std::size_t>(index) + 1, 0);
    double& last = last_xid_[static_cast<std::size_t>(index)];
    // The held gauge only when the look worked: a failed wait may have missed one.
    if (xids.xids.empty() && xids.error.empty()) readings.push_back({"DCGM_FI_DEV_XID_ERRORS", gpu, last, false});
    for (unsigned long long xid : xids.xids) {
      last = static_cast<double>(xid);
      readings.push_back({"DCGM_FI_DEV_XID_ERRORS", gpu, last, false, true});
    }
  }
}

}  // namespace kiln
