// `kiln watch`: a collector for nodes without dcgm-exporter or node_exporter (issue 27 item 6, docs/predict.md).
// Every --interval it reads NVML's GPU counters and sysfs's InfiniBand port counters, appends what changed to
// DIR/samples.jsonl in the replay format of `kiln predict`, and rewrites DIR/kiln-watch.prom (node_exporter
// textfile) atomically. SIGINT and SIGTERM end it between readings; a failed write is reported and retried at the
// next reading (exit 3 at the end), never the end of the collector.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <set>

#include "apps/command.hpp"
#include "apps/option_checks.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/hostname.hpp"
#include "core/units.hpp"
#include "predict/ib_counters.hpp"
#include "predict/watch_log.hpp"
#include "probes/health/nvml_session.hpp"

namespace kiln {
namespace {

using predict::Reading;

struct WatchArgs {
  std::string out;
  std::string interval = "60s";
  std::string node;
  long count = 0;  // readings to take, then stop (0: until a signal)
};

// dcgm-exporter's names for what NVML gives, so that Prometheus and `kiln predict` read them as its.
void AddGpuReadings(const NvmlSession& nvml, std::vector<Reading>& readings) {
  for (int index = 0; index < nvml.DeviceCount(); ++index) {
    std::vector<std::pair<std::string, std::string>> gpu = {{"gpu", std::to_string(index)}};
    auto add = [&](const char* metric, auto value, bool counter) {
      if (value) readings.push_back({metric, gpu, static_cast<double>(*value), counter});
    };
    GpuSample sample = nvml.Sample(index);
    add("DCGM_FI_DEV_GPU_TEMP", sample.temperature_c, false);
    add("DCGM_FI_DEV_POWER_USAGE", sample.power_w, false);
    add("DCGM_FI_DEV_SM_CLOCK", sample.sm_clock_mhz, false);
    add("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", sample.throttle_reasons, false);
    GpuHealth health = nvml.Health(index);
    add("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", health.ecc_corrected_volatile, true);
    add("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", health.ecc_uncorrected_volatile, true);
    add("DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", health.ecc_uncorrected_aggregate, true);
    add("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", health.remapped_rows_uncorrectable, true);
    add("DCGM_FI_DEV_ROW_REMAP_PENDING", health.remap_pending, false);
    add("DCGM_FI_DEV_ROW_REMAP_FAILURE", health.remap_failed, false);
    add("DCGM_FI_DEV_PCIE_LINK_WIDTH", health.pcie_width_current, false);
  }
}

// Appends whole lines or nothing: a disk that fills half-way through is cut back, so the file stays a replay.
void AppendLines(const std::string& path, const std::string& lines) {
  struct stat before {};
  bool existed = ::lstat(path.c_str(), &before) == 0 && S_ISREG(before.st_mode);
  try {
    AppendLineDurably(path, lines.substr(0, lines.size() - 1));
  } catch (const KilnError&) {
    int fd = existed ? ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
    if (fd >= 0) {
      if (::ftruncate(fd, before.st_size) != 0) {
      }  // nothing more to do: the error below says the write failed
      ::close(fd);
    }
    throw;
  }
}

// Waits for the interval or a stop signal (blocked, so it is only taken here); true when one came.
bool StopRequested(const sigset_t& stops, Seconds interval) {
  struct timespec wait {};
  wait.tv_sec = static_cast<time_t>(interval.count());
  wait.tv_nsec = static_cast<long>((interval.count() - static_cast<double>(wait.tv_sec)) * 1e9);
  for (;;) {
    int got = ::sigtimedwait(&stops, nullptr, &wait);
    if (got > 0) return true;
    if (errno == EAGAIN) return false;
    // EINTR: another signal's handler ran; the remaining time is not known, so wait the interval again (rare).
  }
}

int Watch(const WatchArgs& args) {
  sigset_t stops;
  sigemptyset(&stops);
  sigaddset(&stops, SIGINT);
  sigaddset(&stops, SIGTERM);
  sigprocmask(SIG_BLOCK, &stops, nullptr);  // first: a stop that comes early still ends it cleanly
  RequireOutFolder(args.out);
  std::optional<Seconds> interval = ParseDuration(args.interval);
  if (!interval || interval->count() < 0.01) {
    throw InputError(fmt::format("--interval '{}' is not a duration of at least 10ms (e.g. 1s, 60s, 5m)", args.interval));
  }
  MakeDirectories(args.out);
  const char* sysfs = std::getenv("KILN_SYSFS_ROOT");
  const char* library = std::getenv("KILN_NVML_LIBRARY");
  std::string why;
  std::unique_ptr<NvmlSession> nvml = NvmlSession::Open(library ? library : "libnvidia-ml.so.1", &why);
  if (!nvml) std::fprintf(stderr, "kiln watch: no GPU counters (%s); InfiniBand counters only\n", why.c_str());
  predict::WatchLog log(args.node.empty() ? LocalHostname() : args.node);
  const std::string samples = args.out + "/samples.jsonl", textfile = args.out + "/kiln-watch.prom";
  std::set<std::string> said;  // each distinct failure once, not every second
  bool failed = false;
  long taken = 0;
  for (;;) {
    std::vector<Reading> readings;
    if (nvml) AddGpuReadings(*nvml, readings);
    std::vector<Reading> ports = predict::ReadIbCounters(sysfs ? sysfs : "/sys");
    readings.insert(readings.end(), ports.begin(), ports.end());
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::string lines = log.ReplayLines(now, readings);
    auto report = [&](const KilnError& e) {
      failed = true;
      if (said.insert(e.what()).second) std::fprintf(stderr, "kiln watch: %s (retrying)\n", e.what());
    };
    try {
      if (!lines.empty()) AppendLines(samples, lines);
    } catch (const KilnError& e) {
      log.Forget();  // what was not written is written at the next reading
      report(e);
    }
    try {  // the textfile on its own: one failed file does not hold the other back
      WriteFileAtomically(textfile, predict::RenderTextfile(now, readings));
    } catch (const KilnError& e) {
      report(e);
    }
    if (++taken == args.count || StopRequested(stops, *interval)) break;
  }
  std::printf("kiln watch: %ld readings, %zu series -> %s\n", taken, log.series(), samples.c_str());
  return failed ? kExitCannotRun : kExitPassed;
}

}  // namespace

Command AddWatchCommand(CLI::App& app) {
  auto args = std::make_shared<WatchArgs>();
  CLI::App* command = app.add_subcommand("watch", "collect GPU and InfiniBand counters for kiln predict");
  command->add_option("--out", args->out, "folder for samples.jsonl and kiln-watch.prom")->required();
  command->add_option("--interval", args->interval, "time between readings (e.g. 1s, 60s)")->capture_default_str();
  command->add_option("--node", args->node, "node name in the samples (default: the hostname)")->check(NonEmpty());
  command->add_option("--count", args->count, "stop after this many readings (default: at SIGINT/SIGTERM)")
      ->check(CLI::Range(1L, 1000000000L));
  return {command, [args] { return Watch(*args); }};
}

}  // namespace kiln
