#include "predict/edac_counters.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

#include "predict/sysfs_counter.hpp"

namespace kiln::predict {
namespace {

namespace fs = std::filesystem;

// "mc3" with prefix "mc" -> "3"; empty unless the rest is all digits (mc's "power" or "dimm0" folders are not rows).
std::string IndexAfter(const fs::path& folder, std::string_view prefix) {
  std::string name = folder.filename().string();
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return "";
  std::string index = name.substr(prefix.size());
  return index.find_first_not_of("0123456789") == std::string::npos ? index : "";
}

void ReadPair(const fs::path& folder, const char* correctable, const char* uncorrectable,
              const std::vector<std::pair<std::string, std::string>>& labels, std::vector<Reading>& readings) {
  if (std::optional<double> ce = ReadSysfsCounter(folder / "ce_count")) {
    readings.push_back({correctable, labels, *ce, true});
  }
  if (std::optional<double> ue = ReadSysfsCounter(folder / "ue_count")) {
    readings.push_back({uncorrectable, labels, *ue, true});
  }
}

}  // namespace

std::vector<Reading> ReadEdacCounters(const std::string& sysfs_root) {
  std::vector<Reading> readings;
  for (const fs::path& mc : SortedChildren(fs::path(sysfs_root) / "devices" / "system" / "edac" / "mc")) {
    std::string controller = IndexAfter(mc, "mc");
    if (controller.empty()) continue;
    ReadPair(mc, "node_edac_correctable_errors_total", "node_edac_uncorrectable_errors_total",
             {{"controller", controller}}, readings);
    for (const fs::path& row : SortedChildren(mc)) {
      std::string csrow = IndexAfter(row, "csrow");
      if (csrow.empty()) continue;
      ReadPair(row, "node_edac_csrow_correctable_errors_total", "node_edac_csrow_uncorrectable_errors_total",
               {{"controller", controller}, {"csrow", csrow}}, readings);
    }
  }
  return readings;
}

}  // namespace kiln::predict
