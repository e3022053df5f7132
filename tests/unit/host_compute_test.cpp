// host_compute: /proc/stat parsing, the checked kernel, and the probe itself on this machine.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/communicator.hpp"
#include "probes/host_compute/compute_kernel.hpp"
#include "probes/common/cpu_activity.hpp"
#include "probes/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

constexpr const char* kStatBefore =
    "cpu  100 0 50 800 10 0 5 20 0 0\n"
    "cpu0 50 0 25 400 5 0 2 10 0 0\n"
    "intr 12345\nprocs_running 3\nprocs_blocked 0\n";
constexpr const char* kStatAfter =
    "cpu  200 0 100 1500 10 0 5 120 0 0\n"
    "procs_running 9\n";

TEST(CpuActivity, ParsesTheAggregateLineAndRunnableTasks) {
  auto before = cpu_activity::ParseProcStat(kStatBefore);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->total, 985u);
  EXPECT_EQ(before->steal, 20u);
  EXPECT_EQ(before->procs_running, 3);
  auto after = cpu_activity::ParseProcStat(kStatAfter);
  ASSERT_TRUE(after);
  // 100 of the 950 jiffies that passed were stolen.
  EXPECT_NEAR(cpu_activity::StealPercent(*before, *after), 100.0 * 100 / 950, 1e-9);
  EXPECT_EQ(cpu_activity::StealPercent(*after, *before), 0);  // a counter going back is not negative steal
}

TEST(CpuActivity, RefusesTextWithoutACpuLine) {
  EXPECT_FALSE(cpu_activity::ParseProcStat(""));
  EXPECT_FALSE(cpu_activity::ParseProcStat("cpu0 1 2 3\nprocs_running 1\n"));
  EXPECT_FALSE(cpu_activity::ParseProcStat("cpu  1 2 3 4 5\n"));  // an old kernel's 5 columns: no steal
}

TEST(CpuActivity, ThrottlingFromCgroupV1AndV2CpuStat) {
  auto v1 = cpu_activity::ParseCgroupCpuStat("nr_periods 23\nnr_throttled 22\nthrottled_time 1720631705\n");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->periods, 23u);
  EXPECT_EQ(v1->throttled, 22u);
  auto v2 = cpu_activity::ParseCgroupCpuStat("usage_usec 1\nnr_periods 100\nnr_throttled 10\nthrottled_usec 5\n");
  ASSERT_TRUE(v2);
  EXPECT_NEAR(cpu_activity::ThrottledPercent(*v2, {300, 190}), 90.0, 1e-9);  // 180 of 200 periods
  EXPECT_EQ(cpu_activity::ThrottledPercent(*v2, *v2), 0);                  // no quota: no periods pass
  EXPECT_FALSE(cpu_activity::ParseCgroupCpuStat("usage_usec 1\n"));       // v2 without a cpu controller
}

TEST(CpuActivity, FindsTheCpuHierarchyOfThisProcess) {
  std::string self = "9:name=systemd:/\n2:cpuacct:/\n1:cpu:/slurm/job_7\n0::/user.slice\n";
  std::vector<std::string> candidates = cpu_activity::CpuStatCandidates(self, "/sys/fs/cgroup");
  ASSERT_GE(candidates.size(), 2u);
  EXPECT_EQ(candidates[0], "/sys/fs/cgroup/cpu/slurm/job_7/cpu.stat");
  EXPECT_EQ(candidates[1], "/sys/fs/cgroup/user.slice/cpu.stat");
  std::vector<std::string> joined = cpu_activity::CpuStatCandidates("4:cpu,cpuacct:/\n", "/r");
  EXPECT_EQ(joined, (std::vector<std::string>{"/r/cpu,cpuacct/cpu.stat", "/r/cpu/cpu.stat"}));
}

TEST(CpuActivity, ContentionIsStealOthersWaitingOrThreadsNotRunning) {
  EXPECT_EQ(cpu_activity::ContentionReason(0.5, 0.1, 98), "");
  EXPECT_EQ(cpu_activity::ContentionReason(25, 0, -1), "measured on a contended host: a hypervisor took 25% of the CPU time");
  EXPECT_EQ(cpu_activity::ContentionReason(0, 3, 12),
            "measured on a contended host: 3.0 other runnable tasks per CPU, its threads ran 12% of the time");
}

TEST(ComputeKernel, IsExactAndRepeatableAndCatchesOneWrongLane) {
  compute_kernel::Lanes a = compute_kernel::Seed(), b = compute_kernel::Seed();
  compute_kernel::Run(a, 100000);
  compute_kernel::Run(b, 100000);
  EXPECT_EQ(compute_kernel::WrongLanes(a, b), 0);
  EXPECT_NE(a[0], compute_kernel::Seed()[0]);  // it computed something
  for (double x : a) EXPECT_TRUE(x > 0.99 && x < 2.0) << x;  // bounded, never denormal
  b[7] = std::nextafter(b[7], 3.0);  // one ulp: a silent error the check must see
  EXPECT_EQ(compute_kernel::WrongLanes(a, b), 1);
  // Split runs equal one long run: what each thread does matches the reference the probe computes.
  compute_kernel::Lanes c = compute_kernel::Seed();
  compute_kernel::Run(c, 40000);
  compute_kernel::Run(c, 60000);
  EXPECT_EQ(compute_kernel::WrongLanes(a, c), 0);
}

ProbeOutcome RunHostCompute(std::map<std::string, std::string> params) {
  static const ProbeRegistry registry = ProbeRegistry::Default();
  Probe* probe = registry.Find("host_compute");
  EXPECT_NE(probe, nullptr);
  ProbeContext ctx;
  ctx.node = "n1";
  ctx.members = {"n1"};
  ctx.comm = std::make_shared<LocalCommunicator>();
  ctx.params = Parameters::Parse(probe->Parameters(), params, "test");
  return probe->Run(ctx);
}

const Measurement& Find(const ProbeOutcome& outcome, const std::string& metric) {
  for (const Measurement& m : outcome.measurements) {
    if (m.metric == metric) return m;
  }
  throw std::runtime_error("no " + metric);
}

TEST(HostComputeProbe, MeasuresEveryCoreAndChecksEveryResult) {
  ProbeOutcome outcome = RunHostCompute({{"duration", "300ms"}, {"samples", "3"}});
  ASSERT_EQ(outcome.status, ProbeStatus::kMeasured);
  EXPECT_EQ(Find(outcome, "host.cpu.gflops").samples.size(), 3u);
  EXPECT_GT(Find(outcome, "host.cpu.gflops").value(), 0.01);
  EXPECT_LE(Find(outcome, "host.cpu.slowest_thread_gflops").value(), Find(outcome, "host.cpu.gflops").value());
  EXPECT_EQ(Find(outcome, "host.cpu.wrong_results").value(), 0);
  double on_cpu = Find(outcome, "host.cpu.on_cpu").value();
  EXPECT_GT(on_cpu, 0);
  EXPECT_LE(on_cpu, 100);
  EXPECT_GE(Find(outcome, "host.cpu.steal").value(), 0);
  EXPECT_GT(Find(outcome, "host.cpu.runnable_per_cpu").value(), 0);  // our own threads run
  // Per second on a CPU, every thread runs at least as fast as the node's rate per thread of wall time.
  EXPECT_GE(Find(outcome, "host.cpu.gflops_per_cpu").value() * 1.05, Find(outcome, "host.cpu.slowest_thread_gflops").value());
}

TEST(HostComputeProbe, ThreadsBeyondTheCoresRunLessOfTheTimeAndSaySo) {
  // Four threads per CPU: each can run about a quarter of the time. The rate of the node stays that of its
  // cores; the share of time on a CPU tells a crowded measurement from a slow node.
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  ProbeOutcome crowded = RunHostCompute({{"duration", "400ms"}, {"samples", "2"}, {"threads", std::to_string(4 * cpus)}});
  const Measurement& on_cpu = Find(crowded, "host.cpu.on_cpu");
  EXPECT_LT(on_cpu.value(), 60) << on_cpu.method;
  EXPECT_NE(Find(crowded, "host.cpu.gflops").method.find("CONTENDED"), std::string::npos);
}

TEST(HostComputeProbe, RejectsNonsenseParameters) {
  EXPECT_ANY_THROW(RunHostCompute({{"samples", "0"}}));
  EXPECT_ANY_THROW(RunHostCompute({{"threads", "100000"}}));
}

}  // namespace
}  // namespace kiln
