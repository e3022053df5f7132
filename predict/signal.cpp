#include "predict/signal.hpp"

#include <array>
#include <utility>

namespace kiln::predict {

Signal SignalOf(std::string_view metric) {
  static constexpr std::array<std::pair<std::string_view, Signal>, 27> kNames = {{
      {"DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", Signal::kEccCorrectable},
      {"DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", Signal::kEccCorrectable},
      {"DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", Signal::kEccUncorrectable},
      {"DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", Signal::kEccUncorrectable},
      {"DCGM_FI_DEV_ROW_REMAP_PENDING", Signal::kRemapPending},
      {"DCGM_FI_DEV_ROW_REMAP_FAILURE", Signal::kRemapFailure},
      {"DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", Signal::kRemappedRows},
      {"DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", Signal::kRemappedRowsUncorr},
      {"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", Signal::kPcieReplay},
      {"DCGM_FI_DEV_XID_ERRORS", Signal::kXid},
      {"DCGM_FI_DEV_GPU_TEMP", Signal::kGpuTemperature},
      {"DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", Signal::kNvlinkErrors},
      {"DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL", Signal::kNvlinkErrors},
      {"DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL", Signal::kNvlinkErrors},
      {"DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", Signal::kNvlinkErrors},
      {"node_infiniband_symbol_error_total", Signal::kIbSymbolErrors},
      {"node_infiniband_link_downed_total", Signal::kIbLinkDowned},
      {"node_infiniband_port_errors_received_total", Signal::kIbPortErrors},
      {"node_infiniband_link_error_recovery_total", Signal::kIbPortErrors},
      {"node_infiniband_local_link_integrity_errors_total", Signal::kIbPortErrors},
      {"node_infiniband_excessive_buffer_overrun_errors_total", Signal::kIbPortErrors},
      {"node_infiniband_port_receive_remote_physical_errors_total", Signal::kIbPortErrors},
      {"node_infiniband_port_receive_switch_relay_errors_total", Signal::kIbPortErrors},
      {"node_edac_correctable_errors_total", Signal::kHostMemoryCorrectable},
      {"node_edac_csrow_correctable_errors_total", Signal::kHostMemoryCorrectable},
      {"node_edac_uncorrectable_errors_total", Signal::kHostMemoryUncorrectable},
      {"node_edac_csrow_uncorrectable_errors_total", Signal::kHostMemoryUncorrectable},
  }};
  // PrometheusMetricName(metric, unit) of Kiln's probes (reports/renderers.hpp; a test holds the two together).
  static constexpr std::array<std::pair<std::string_view, Signal>, 12> kKilnNames = {{
      {"kiln_hbm_copy_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_hbm_scale_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_hbm_add_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_hbm_triad_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_hbm_read_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_hbm_write_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_gpu_stress_tflops_flops", Signal::kGpuPerformance},
      {"kiln_pcie_h2d_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_pcie_d2h_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_pcie_bidir_bw_bytes_per_second", Signal::kGpuPerformance},
      {"kiln_ib_write_bw_bits_per_second", Signal::kLinkPerformance},
      {"kiln_mpi_link_bandwidth_bytes_per_second", Signal::kLinkPerformance},
  }};
  for (const auto& [name, signal] : kNames) {
    if (name == metric) return signal;
  }
  for (const auto& [name, signal] : kKilnNames) {
    if (name == metric) return signal;
  }
  return Signal::kUnknown;
}

bool IsCounter(Signal signal) {
  switch (signal) {
    case Signal::kRemapPending:
    case Signal::kRemapFailure:
    case Signal::kXid:
    case Signal::kGpuTemperature:
    case Signal::kGpuPerformance:
    case Signal::kLinkPerformance:
    case Signal::kUnknown:
      return false;
    default:
      return true;
  }
}

bool IsHardwareXid(int xid) {
  // NVIDIA's XID catalogue: 48 DBE, 61/62 internal micro-controller, 63/64 row remap, 74 NVLink, 79 fallen off
  // the bus, 92 high SBE rate, 94/95 contained/uncontained ECC, 119/120 GSP.
  switch (xid) {
    case 48:
    case 61:
    case 62:
    case 63:
    case 64:
    case 74:
    case 79:
    case 92:
    case 94:
    case 95:
    case 119:
    case 120:
      return true;
    default:
      return false;
  }
}

bool IsTerminalXid(int xid) { return xid == 48 || xid == 64 || xid == 79 || xid == 94 || xid == 95; }

bool IsPerformance(Signal signal) { return signal == Signal::kGpuPerformance || signal == Signal::kLinkPerformance; }

bool IsIdentifyingLabel(Signal signal, std::string_view label) {
  if (label == "gpu" || label == "device" || label == "port") return true;
  if ((signal == Signal::kHostMemoryCorrectable || signal == Signal::kHostMemoryUncorrectable) &&
      (label == "controller" || label == "csrow")) {
    return true;
  }
  return IsPerformance(signal) && (label == "type" || label == "peer" || label == "rail");
}

}  // namespace kiln::predict
