#include "probes/common/cpu_activity.hpp"
#include "probes/common/system_files.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::optional<CpuTimes> ReadProcStat(const std::string& procfs_root) {
  std::optional<std::string> text = ReadWholeFile(procfs_root + "/stat", kMostSystemTableBytes);
  return text ? ParseProcStat(*text) : std::nullopt;
}

double StealPercent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.steal < before.steal) return 0;
  return 100.0 * static_cast<double>(after.steal - before.steal) / static_cast<double>(after.total - before.total);
}

std::string ContentionReason(double steal_percent, double others_runnable_per_cpu, double on_cpu_percent) {
  std::vector<std::string> why;
  if (steal_percent > 10) why.push_back(fmt::format("a hypervisor took {:.0f}% of the CPU time", steal_percent));
  if (others_runnable_per_cpu >= 0.5) {
    why.push_back(fmt::format("{:.1f} other runnable tasks per CPU", others_runnable_per_cpu));
  }
  if (on_cpu_percent >= 0 && on_cpu_percent < 90) {
    why.push_back(fmt::format("its threads ran {:.0f}% of the time", on_cpu_percent));
  }
  if (why.empty()) return "";
  return fmt::format("measured on a contended host: {}", fmt::join(why, ", "));
}

std::optional<Throttling> ParseCgroupCpuStat(std::string_view text) {
  Throttling t;
  bool periods = false, throttled = false;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    std::vector<std::uint64_t> value;
    if (line.starts_with("nr_periods ")) {
      value = Numbers(line.substr(11));
      if (!value.empty()) t.periods = value[0], periods = true;
    } else if (line.starts_with("nr_throttled ")) {
      value = Numbers(line.substr(13));
      if (!value.empty()) t.throttled = value[0], throttled = true;
    }
  }
  if (!periods || !throttled) return std::nullopt;
  return t;
}

double ThrottledPercent(const Throttling& before, const Throttling& after) {
  if (after.periods <= before.periods || after.throttled < before.throttled) return 0;
  return 100.0 * static_cast<double>(after.throttled - before.throttled) /
         static_cast<double>(after.periods - before.periods);
}

std::vector<std::string> CpuStatCandidates(std::string_view proc_self_cgroup, const std::string& cgroup_root) {
  std::vector<std::string> v1, v2;
  while (!proc_self_cgroup.empty()) {
    std::size_t eol = proc_self_cgroup.find('\n');
    std::string_view line = proc_self_cgroup.substr(0, eol);
    proc_self_cgroup = eol == std::string_view::npos ? std::string_view() : proc_self_cgroup.substr(eol + 1);
    std::size_t first = line.find(':');
    std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string path(line.substr(second + 1));
    if (path == "/") path.clear();
    if (controllers.empty()) {
      v2.push_back(cgroup_root + path + "/cpu.stat");
      v2.push_back(cgroup_root + "/unified" + path + "/cpu.stat");
      continue;
    }
    // "cpu", "cpu,cpuacct" or "cpuacct,cpu": the hierarchy with the cpu controller.
    std::string list(controllers);
    bool has_cpu = false;
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t comma = list.find(',', start);
      std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      has_cpu = has_cpu || name == "cpu";
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (!has_cpu) continue;
    v1.push_back(cgroup_root + "/" + list + path + "/cpu.stat");
    if (list != "cpu") v1.push_back(cgroup_root + "/cpu" + path + "/cpu.stat");
  }
  v1.insert(v1.end(), v2.begin(), v2.end());
  return v1;
}

}  // namespace kiln::cpu_activity
