#pragma once
// What else the CPUs of a node did while a probe measured: time stolen by the hypervisor, tasks waiting to run
// (/proc/stat), a CPU quota's throttling (cgroup cpu.stat); the parsing is unit-tested on fixed text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::cpu_activity {

struct CpuTimes {
  std::uint64_t total = 0;  // jiffies of the aggregate "cpu" line, every column
  std::uint64_t steal = 0;  // the 8th column: time a hypervisor ran someone else on these CPUs
  int procs_running = 0;    // tasks running or runnable at the moment of reading
};

// nullopt when the text has no aggregate "cpu" line with at least 8 numbers.
std::optional<CpuTimes> ParseProcStat(std::string_view text);

// /proc/stat under `procfs_root`, read and parsed; nullopt when it cannot be read or parsed.
std::optional<CpuTimes> ReadProcStat(const std::string& procfs_root);

// Stolen share of the CPU time between two readings, in percent; 0 when no time passed.
double StealPercent(const CpuTimes& before, const CpuTimes& after);

// Why a measurement taken on a contended host cannot accuse it ("" when it can): a hypervisor stealing over
// 10% of the CPU time, other tasks waiting for a CPU (0.5 or more per CPU), or the probe's own threads running
// under 90% of the time (negative when not known).
std::string ContentionReason(double steal_percent, double others_runnable_per_cpu, double on_cpu_percent = -1);

// A CPU quota's bookkeeping (cgroup cpu.stat, v1 or v2): scheduling periods, and those in which the group ran
// out of quota and was stopped.
struct Throttling {
  std::uint64_t periods = 0;
  std::uint64_t throttled = 0;
};
std::optional<Throttling> ParseCgroupCpuStat(std::string_view text);

// Share of the periods between two readings in which the group was throttled, in percent; 0 without periods.
double ThrottledPercent(const Throttling& before, const Throttling& after);

// Where the cpu.stat of this process's CPU cgroup may be, from /proc/self/cgroup's text: the cgroup v1 "cpu"
// hierarchy's candidates first, then v2's. `cgroup_root` is normally /sys/fs/cgroup.
std::vector<std::string> CpuStatCandidates(std::string_view proc_self_cgroup, const std::string& cgroup_root);

}  // namespace kiln::cpu_activity
