#pragma once
// InfiniBand port error counters from sysfs (/sys/class/infiniband/DEVICE/ports/PORT/counters/NAME, under
// KILN_SYSFS_ROOT when set), named as node_exporter's InfiniBand collector names them. Never throws and never
// blocks: a device that vanished, a counter that cannot be read or is not a regular file is simply not read.

#include <string>
#include <string_view>
#include <vector>

#include "predict/reading.hpp"

namespace kiln::predict {

// node_exporter's name for a sysfs counter file ("symbol_error" -> "node_infiniband_symbol_error_total"); empty
// for counters Kiln does not collect.
std::string_view IbCounterMetric(std::string_view file);

// Every collected counter of every port under `sysfs_root` ("/sys"), in the order of device, port and file name.
std::vector<Reading> ReadIbCounters(const std::string& sysfs_root);

}  // namespace kiln::predict
