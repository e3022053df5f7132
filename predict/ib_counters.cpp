#include "predict/ib_counters.hpp"

#include <array>
#include <filesystem>
#include <optional>
#include <utility>

#include "predict/sysfs_counter.hpp"

namespace kiln::predict {

namespace fs = std::filesystem;

std::string_view IbCounterMetric(std::string_view file) {
  // node_exporter's collector/infiniband_linux.go names (the ones `kiln predict` reads, and the discards).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kNames = {{
      {"symbol_error", "node_infiniband_symbol_error_total"},
      {"link_downed", "node_infiniband_link_downed_total"},
      {"port_rcv_errors", "node_infiniband_port_errors_received_total"},
      {"link_error_recovery", "node_infiniband_link_error_recovery_total"},
      {"local_link_integrity_errors", "node_infiniband_local_link_integrity_errors_total"},
      {"excessive_buffer_overrun_errors", "node_infiniband_excessive_buffer_overrun_errors_total"},
      {"port_rcv_remote_physical_errors", "node_infiniband_port_receive_remote_physical_errors_total"},
      {"port_rcv_switch_relay_errors", "node_infiniband_port_receive_switch_relay_errors_total"},
      {"port_xmit_discards", "node_infiniband_port_discards_transmitted_total"},
  }};
  for (const auto& [name, metric] : kNames) {
    if (name == file) return metric;
  }
  return {};
}

std::vector<Reading> ReadIbCounters(const std::string& sysfs_root) {
  std::vector<Reading> readings;
  for (const fs::path& device : SortedChildren(fs::path(sysfs_root) / "class" / "infiniband")) {
    for (const fs::path& port : SortedChildren(device / "ports")) {
      for (const fs::path& counter : SortedChildren(port / "counters")) {
        std::string_view metric = IbCounterMetric(counter.filename().native());
        if (metric.empty()) continue;
        std::optional<double> value = ReadSysfsCounter(counter);
        if (!value) continue;
        readings.push_back({std::string(metric),
                            {{"device", device.filename().string()}, {"port", port.filename().string()}},
                            *value,
                            true});
      }
    }
  }
  return readings;
}

}  // namespace kiln::predict
