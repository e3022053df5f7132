#include "predict/ib_counters.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <optional>
#include <utility>

namespace kiln::predict {
namespace {

namespace fs = std::filesystem;

// A counter is one decimal line; 64 bytes hold any. Opened without following a planted FIFO into a block.
std::optional<double> ReadCounter(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  char text[64];
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (got <= 0) return std::nullopt;
  const char* end = text + got;
  while (end > text && (end[-1] == '\n' || end[-1] == ' ')) --end;
  unsigned long long value = 0;
  auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return static_cast<double>(value);
}

std::vector<fs::path> Children(const fs::path& folder) {
  std::vector<fs::path> children;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    children.push_back(it->path());
  }
  std::sort(children.begin(), children.end());
  return children;
}

}  // namespace

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
  for (const fs::path& device : Children(fs::path(sysfs_root) / "class" / "infiniband")) {
    for (const fs::path& port : Children(device / "ports")) {
      for (const fs::path& counter : Children(port / "counters")) {
        std::string_view metric = IbCounterMetric(counter.filename().native());
        if (metric.empty()) continue;
        std::optional<double> value = ReadCounter(counter);
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
