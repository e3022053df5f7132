#pragma once
// The host's memory error counters from the kernel's EDAC subsystem (/sys/devices/system/edac/mc/mcN, under
// KILN_SYSFS_ROOT when set), named as node_exporter's EDAC collector names them, so that `kiln predict` reads a
// `kiln watch` log and a Prometheus export alike. Never throws and never blocks (sysfs_counter.hpp).

#include <string>
#include <vector>

#include "predict/reading.hpp"

namespace kiln::predict {

// Per memory controller mcN: node_edac_{correctable,uncorrectable}_errors_total{controller="N"} (ce_count,
// ue_count), and per chip-select row csrowM: node_edac_csrow_{correctable,uncorrectable}_errors_total{controller="N",
// csrow="M"}; in the order of controller and row.
std::vector<Reading> ReadEdacCounters(const std::string& sysfs_root);

}  // namespace kiln::predict
