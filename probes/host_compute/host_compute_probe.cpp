#include "probes/host_compute/host_compute_probe.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/statistics.hpp"
#include "probes/common/system_files.hpp"
#include "probes/host_compute/compute_kernel.hpp"
#include "probes/common/cpu_activity.hpp"

namespace kiln {
namespace {

using Clock = std::chrono::steady_clock;

// The cpu.stat of this process's CPU cgroup, when it has one that keeps quota bookkeeping.
std::optional<std::string> CpuStatPath(const Environment& env) {
  std::string self = ReadWholeFile(env.procfs_root + "/self/cgroup").value_or("");
  for (const std::string& path : cpu_activity::CpuStatCandidates(self, env.sysfs_root + "/fs/cgroup")) {
    if (cpu_activity::ParseCgroupCpuStat(ReadWholeFile(path).value_or(""))) return path;
  }
  return std::nullopt;
}

double ThreadCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

struct ThreadResult {
  double seconds = 0;      // wall time of its chunk
  double cpu_seconds = 0;  // time it actually ran
  int wrong = 0;
};

// The CPUs this process may run on.
int UsableCpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  int usable = sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : 0;
  return usable > 0 ? usable : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Iterations of the kernel that take about `seconds` on one thread, calibrated on this one.
std::int64_t IterationsFor(double seconds) {
  compute_kernel::Lanes lanes = compute_kernel::Seed();
  std::int64_t probe_iterations = 1 << 14;
  double probe_seconds = 0;
  while (probe_seconds < 0.02 && probe_iterations < (std::int64_t{1} << 40)) {
    probe_iterations *= 4;
    auto start = Clock::now();
    compute_kernel::Run(lanes, probe_iterations);
    probe_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(probe_iterations) * seconds / probe_seconds));
}

struct Settings {
  int samples = 0;
  int threads = 0;
  int usable = 0;          // CPUs this process may run on
  double per_sample = 0;   // seconds
  std::int64_t iterations = 0;  // per thread and sample
};

// Each sample's series, and the wrong lanes of all.
struct Series {
  std::vector<double> rate, slowest, on_cpu, per_cpu, runnable;
  int wrong = 0;
};

// The node's CPU activity counters, before and after the samples.
struct Activity {
  std::optional<std::string> quota_stat;
  std::optional<cpu_activity::Throttling> quota_first, quota_last;
  std::optional<cpu_activity::CpuTimes> first, last;
};

std::optional<cpu_activity::Throttling> ReadQuota(const std::optional<std::string>& path) {
  if (!path) return std::nullopt;
  return cpu_activity::ParseCgroupCpuStat(ReadWholeFile(*path).value_or(""));
}

// One sample: every thread runs the chain at once; the series get its rates.
void RunSample(const Settings& s, const compute_kernel::Lanes& reference, const Environment& env, Series& out) {
  std::vector<ThreadResult> results(static_cast<std::size_t>(s.threads));
  auto start = Clock::now();
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < s.threads; ++t) {
      workers.emplace_back([&, t] {
        ThreadResult& r = results[static_cast<std::size_t>(t)];
        double cpu0 = ThreadCpuSeconds();
        auto t0 = Clock::now();
        compute_kernel::Lanes mine = compute_kernel::Seed();
        compute_kernel::Run(mine, s.iterations);
        r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        r.cpu_seconds = ThreadCpuSeconds() - cpu0;
        r.wrong = compute_kernel::WrongLanes(mine, reference);
      });
    }
    // Sampled while the threads run: how crowded the CPUs are.
    std::this_thread::sleep_for(std::chrono::duration<double>(s.per_sample / 2));
    if (auto now = cpu_activity::ReadProcStat(env.procfs_root)) {
      out.runnable.push_back(static_cast<double>(now->procs_running) / s.usable);
    }
  }
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double flops = compute_kernel::kFlopsPerIteration * static_cast<double>(s.iterations);
  double slowest_rate = 1e300, ran = 0;
  for (const ThreadResult& r : results) {
    slowest_rate = std::min(slowest_rate, flops / r.seconds / 1e9);
    ran += r.cpu_seconds;
    out.wrong += r.wrong;
  }
  out.rate.push_back(flops * s.threads / wall / 1e9);
  out.per_cpu.push_back(ran > 0 ? flops * s.threads / ran / 1e9 : 0);
  out.slowest.push_back(slowest_rate);
  out.on_cpu.push_back(std::min(100.0, 100.0 * ran / (wall * s.threads)));
}

// The probe's measurements of the node from the series and the activity around them.
ProbeOutcome Report(const std::string& probe, const std::string& node_name, const Settings& s, const Series& series,
                    const Activity& activity) {
  ProbeOutcome outcome;
  Subject node = Subject::Node(node_name);
  auto add = [&](const char* metric, const char* unit, std::vector<double> values, bool higher, std::string method) {
    outcome.measurements.push_back(MakeMeasurement(probe, metric, unit, node, std::move(values), higher, std::move(method)));
  };
  const bool activity_known = activity.first && activity.last;
  const double steal = activity_known ? cpu_activity::StealPercent(*activity.first, *activity.last) : 0;
  // Others: what waited beside our threads (our own `threads` are counted in procs_running).
  const double others = series.runnable.empty()
                            ? 0 : std::max(0.0, Median(series.runnable) - static_cast<double>(s.threads) / s.usable);
  const std::string unreliable = cpu_activity::ContentionReason(steal, others, Median(series.on_cpu));
  std::string contended = unreliable.empty() ? std::string() : fmt::format("; CONTENDED: {}", unreliable);
  std::string how = fmt::format("{} samples of {} threads x {} iterations of {} multiply-add chains, median",
                                s.samples, s.threads, s.iterations, compute_kernel::kLanes);
  add("host.cpu.gflops", "GFLOPS", series.rate, true, how + " of the node's rate" + contended);
  add("host.cpu.slowest_thread_gflops", "GFLOPS", series.slowest, true, how + " of the slowest thread's own rate" + contended);
  // The rates per second of wall time depend on who else ran: on a contended host they accuse nobody.
  outcome.measurements[0].unreliable = outcome.measurements[1].unreliable = unreliable;
  add("host.cpu.wrong_results", "count", {static_cast<double>(series.wrong)}, false,
      "lanes of every thread and sample that differ bit for bit from the reference");
  add("host.cpu.gflops_per_cpu", "GFLOPS", series.per_cpu, true, how + " of the rate per second the threads ran (getrusage)");
  if (activity.quota_first && activity.quota_last) {
    add("host.cpu.throttled", "%", {cpu_activity::ThrottledPercent(*activity.quota_first, *activity.quota_last)}, false,
        fmt::format("periods with nr_throttled over nr_periods of {} during the samples", *activity.quota_stat));
  }
  add("host.cpu.on_cpu", "%", series.on_cpu, true, "CPU time of the probe's threads over their wall time (getrusage)");
  if (!series.runnable.empty()) {
    add("host.cpu.runnable_per_cpu", "count", series.runnable, false,
        fmt::format("/proc/stat procs_running over {} CPUs, mid-sample", s.usable));
  }
  if (activity_known) add("host.cpu.steal", "%", {steal}, false, "/proc/stat steal over all CPU time during the samples");
  return outcome;
}

class HostComputeProbe final : public Probe {
 public:
  std::string Name() const override { return "host_compute"; }
  // A down-clocked node shows against its peers in a bisection: the rate per CPU, which the trials running beside
  // it on a shared machine do not change (a starved node fails the baseline's throttling rule).
  ProbeTraits Traits() const override {
    return {.bisection = BisectionDefault::kNodeStage, .peer_metric = "host.cpu.gflops_per_cpu"};
  }
  std::string Description() const override {
    return "checked multiply-add chains on every core at once: compute rate, slowest core, CPU steal and contention";
  }
  Scope scope() const override { return Scope::kNode; }
  std::vector<ParamSpec> Parameters() const override {
    return {
        {"duration", ParamType::kDuration, "2s", "time spent measuring, over all samples"},
        {"samples", ParamType::kInt, "5", "timed samples; each runs every thread at once"},
        {"threads", ParamType::kInt, "0", "threads; 0 = one per CPU this process may run on"},
    };
  }
  std::vector<MetricSpec> Metrics() const override {
    return {
        {"host.cpu.gflops", "GFLOPS", true, "multiply-adds per second of all threads together"},
        {"host.cpu.slowest_thread_gflops", "GFLOPS", true, "the slowest thread's own rate: one slow core shows"},
        {"host.cpu.wrong_results", "count", false, "lanes whose result differs from the reference", true},
        {"host.cpu.on_cpu", "%", true, "share of the wall time the probe's threads ran: below 100% they waited for a CPU"},
        {"host.cpu.gflops_per_cpu", "GFLOPS", true, "rate per second the threads ran: the cores' own speed, whoever else competes"},
        {"host.cpu.throttled", "%", false, "share of CPU-quota periods in which the node's cgroup was stopped"},
        {"host.cpu.steal", "%", false, "CPU time a hypervisor gave to others during the measurement"},
        {"host.cpu.runnable_per_cpu", "count", false, "tasks running or waiting per CPU during the measurement (ours included)"},
    };
  }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }

  ProbeOutcome Run(ProbeContext& ctx) override {
    const auto& p = ctx.params;
    Settings s;
    s.samples = static_cast<int>(p.Int("samples"));
    const double duration = p.Duration("duration").count();
    if (s.samples < 1 || duration <= 0) throw ProbeError("samples must be at least 1 and duration above 0");
    s.usable = UsableCpus();
    s.threads = static_cast<int>(p.Int("threads"));
    if (s.threads <= 0) s.threads = s.usable;
    if (s.threads > 4096) throw ProbeError(fmt::format("threads={} is more than 4096", s.threads));
    // Calibrate on one thread, then size each thread's chunk to fill one sample.
    s.per_sample = duration / s.samples;
    s.iterations = IterationsFor(s.per_sample);
    compute_kernel::Lanes reference = compute_kernel::Seed();
    compute_kernel::Run(reference, s.iterations);  // what every thread must get

    Activity activity;
    activity.quota_stat = CpuStatPath(ctx.env);
    activity.quota_first = ReadQuota(activity.quota_stat);
    activity.first = cpu_activity::ReadProcStat(ctx.env.procfs_root);
    Series series;
    for (int sample = 0; sample < s.samples; ++sample) {
      if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
      ctx.progress->Say(fmt::format("sample {} of {}, {} threads", sample + 1, s.samples, s.threads));
      RunSample(s, reference, ctx.env, series);
    }
    activity.last = cpu_activity::ReadProcStat(ctx.env.procfs_root);
    activity.quota_last = ReadQuota(activity.quota_stat);
    return Report(Name(), ctx.node, s, series, activity);
  }
};

}  // namespace

std::unique_ptr<Probe> MakeHostComputeProbe() { return std::make_unique<HostComputeProbe>(); }

}  // namespace kiln
