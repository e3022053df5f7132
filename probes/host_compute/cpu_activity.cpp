#include "probes/host_compute/cpu_activity.hpp"

#include <charconv>
#include <vector>

namespace kiln::cpu_activity {
namespace {

std::vector<std::uint64_t> Numbers(std::string_view line) {
  std::vector<std::uint64_t> numbers;
  const char* p = line.data();
  const char* end = line.data() + line.size();
  while (p < end) {
    while (p < end && *p == ' ') ++p;
    std::uint64_t value = 0;
    auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc()) break;
    numbers.push_back(value);
    p = next;
  }
  return numbers;
}

}  // namespace

std::optional<CpuTimes> ParseProcStat(std::string_view text) {
  std::optional<CpuTimes> times;
  int running = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.starts_with("cpu ")) {
      std::vector<std::uint64_t> columns = Numbers(line.substr(4));
      if (columns.size() < 8) return std::nullopt;
      CpuTimes t;
      for (std::uint64_t c : columns) t.total += c;
      t.steal = columns[7];
      times = t;
    } else if (line.starts_with("procs_running ")) {
      std::vector<std::uint64_t> value = Numbers(line.substr(14));
      if (!value.empty()) running = static_cast<int>(value[0]);
    }
  }
  if (times) times->procs_running = running;
  return times;
}

double StealPercent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.steal < before.steal) return 0;
  return 100.0 * static_cast<double>(after.steal - before.steal) / static_cast<double>(after.total - before.total);
}

}  // namespace kiln::cpu_activity
