#pragma once
// The metrics the predictor understands: dcgm-exporter and node_exporter (InfiniBand, EDAC) names, and Kiln's own
// measurements as its metrics.prom names them (`kiln history --replay` writes those), mapped to the kind of
// evidence they carry. Everything else in a replay is ignored (docs/predict.md lists the names).

#include <string_view>

namespace kiln::predict {

enum class Signal {
  kUnknown,
  kEccCorrectable,      // DCGM_FI_DEV_ECC_SBE_*_TOTAL: counter
  kEccUncorrectable,    // DCGM_FI_DEV_ECC_DBE_*_TOTAL: counter
  kRemapPending,        // DCGM_FI_DEV_ROW_REMAP_PENDING: gauge 0/1
  kRemapFailure,        // DCGM_FI_DEV_ROW_REMAP_FAILURE: gauge 0/1
  kRemappedRows,        // DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS: counter
  kRemappedRowsUncorr,  // DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS: counter
  kPcieReplay,          // DCGM_FI_DEV_PCIE_REPLAY_COUNTER: counter
  kXid,                 // DCGM_FI_DEV_XID_ERRORS: gauge, the last XID code
  kGpuTemperature,      // DCGM_FI_DEV_GPU_TEMP: gauge, degrees C
  kIbSymbolErrors,      // node_infiniband_symbol_error_total: counter
  kIbLinkDowned,        // node_infiniband_link_downed_total: counter
  kIbPortErrors,        // received errors, link error recovery, integrity: counters
  kGpuPerformance,      // Kiln's HBM, GEMM (TFLOPS) and PCIe bandwidth per GPU: gauge, higher is better
  kLinkPerformance,     // Kiln's InfiniBand and MPI link bandwidth per port or peer: gauge, higher is better
  kNvlinkErrors,        // DCGM_FI_DEV_NVLINK_{CRC_FLIT,CRC_DATA,REPLAY,RECOVERY}_ERROR_COUNT_TOTAL: counters
  kHostMemoryCorrectable,    // node_edac_correctable_errors_total (per memory controller), csrow's too: counter
  kHostMemoryUncorrectable,  // node_edac_uncorrectable_errors_total, csrow's too: counter
};
inline constexpr int kSignalCount = static_cast<int>(Signal::kHostMemoryUncorrectable) + 1;

Signal SignalOf(std::string_view metric);
bool IsCounter(Signal signal);
// Kiln's sweep results: a measurement per sweep, judged against its own past and the fleet's (performance_drift).
bool IsPerformance(Signal signal);
// True for XIDs that point at the hardware (memory, bus, NVLink, GSP), not at the application (13, 31, 43, 45).
bool IsHardwareXid(int xid);
// True for XIDs that are a GPU failing now, not a sign ahead of it: a double-bit error (48), no spare row left (64),
// fallen off the bus (79), contained or uncontained ECC errors (94, 95).
bool IsTerminalXid(int xid);
// The labels that name a series' device (a GPU, a port, a memory controller and its csrow); all others (UUID,
// modelName, Hostname, driver) are dropped. Kiln's measurements are also told apart by their data type (GEMM), peer
// and rail (links).
bool IsIdentifyingLabel(Signal signal, std::string_view label);

}  // namespace kiln::predict
