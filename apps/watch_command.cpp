// `kiln watch`: a collector for nodes without dcgm-exporter or node_exporter (issue 27 item 6, docs/predict.md).
// Every --interval it reads NVML's GPU counters and sysfs's InfiniBand port and EDAC memory controller counters,
// appends what changed to DIR/samples.jsonl in the replay format of `kiln predict`, and rewrites
// DIR/kiln-watch.prom (node_exporter textfile) atomically. SIGINT and SIGTERM end it between readings; a failed
// write is reported and retried at the next reading (exit 3 at the end), never the end of the collector; a GPU
// whose NVML calls fail is said once and skipped while it fails (exit 0).

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
#include "apps/watch_gpus.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/hostname.hpp"
#include "core/units.hpp"
#include "predict/edac_counters.hpp"
#include "predict/ib_counters.hpp"
#include "predict/watch_log.hpp"

namespace kiln {
namespace {

using predict::Reading;

struct WatchArgs {
  std::string out;
  std::string interval = "60s";
  std::string node;
  long count = 0;  // readings to take, then stop (0: until a signal)
};

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
  const char* sysfs_env = std::getenv("KILN_SYSFS_ROOT");
  const std::string sysfs = sysfs_env ? sysfs_env : "/sys";
  const char* library = std::getenv("KILN_NVML_LIBRARY");
  std::string why;
  std::unique_ptr<NvmlSession> nvml = NvmlSession::Open(library ? library : "libnvidia-ml.so.1", &why);
  if (!nvml) {
    std::fprintf(stderr, "kiln watch: no GPU counters (%s); InfiniBand and EDAC counters only\n", why.c_str());
  }
  std::optional<WatchedGpus> gpus;
  if (nvml) gpus.emplace(std::move(nvml));
  predict::WatchLog log(args.node.empty() ? LocalHostname() : args.node);
  const std::string samples = args.out + "/samples.jsonl", textfile = args.out + "/kiln-watch.prom";
  std::set<std::string> said;  // each distinct failure or problem once, not every second
  auto say_once = [&](const std::string& text) {
    if (said.insert(text).second) std::fprintf(stderr, "kiln watch: %s\n", text.c_str());
  };
  bool failed = false;
  long taken = 0;
  for (;;) {
    std::vector<Reading> readings;
    std::vector<std::string> problems;  // a GPU that fails: its readings skipped, the collector goes on (exit 0)
    if (gpus) gpus->Read(readings, problems);
    for (const std::string& problem : problems) say_once(problem + "; its readings are skipped while it fails (said once)");
    std::vector<Reading> ports = predict::ReadIbCounters(sysfs);
    readings.insert(readings.end(), ports.begin(), ports.end());
    std::vector<Reading> memory = predict::ReadEdacCounters(sysfs);
    readings.insert(readings.end(), memory.begin(), memory.end());
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::string lines = log.ReplayLines(now, readings);
    auto report = [&](const KilnError& e) {
      failed = true;
      say_once(std::string(e.what()) + " (retrying)");
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
  CLI::App* command = app.add_subcommand("watch", "collect GPU, InfiniBand and host memory counters for kiln predict");
  command->add_option("--out", args->out, "folder for samples.jsonl and kiln-watch.prom")->required();
  command->add_option("--interval", args->interval, "time between readings (e.g. 1s, 60s)")->capture_default_str();
  command->add_option("--node", args->node, "node name in the samples (default: the hostname)")->check(NonEmpty());
  command->add_option("--count", args->count, "stop after this many readings (default: at SIGINT/SIGTERM)")
      ->check(CLI::Range(1L, 1000000000L));
  return {command, [args] { return Watch(*args); }};
}

}  // namespace kiln
