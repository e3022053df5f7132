#pragma once
// What else the CPUs of a node did while a probe measured: time stolen by the hypervisor and tasks waiting
// to run, from /proc/stat (pure parsing, unit-tested on fixed text).

#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln::cpu_activity {

struct CpuTimes {
  std::uint64_t total = 0;  // jiffies of the aggregate "cpu" line, every column
  std::uint64_t steal = 0;  // the 8th column: time a hypervisor ran someone else on these CPUs
  int procs_running = 0;    // tasks running or runnable at the moment of reading
};

// nullopt when the text has no aggregate "cpu" line with at least 8 numbers.
std::optional<CpuTimes> ParseProcStat(std::string_view text);

// Stolen share of the CPU time between two readings, in percent; 0 when no time passed.
double StealPercent(const CpuTimes& before, const CpuTimes& after);

}  // namespace kiln::cpu_activity
