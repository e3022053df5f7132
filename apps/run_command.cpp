// `kiln run`: a suite alone, under mpirun/srun, as the controller of mpirun over --hosts, or with --bisect.

#include <fmt/format.h>
#include <mpi.h>
#include <unistd.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "apps/command.hpp"
#include "apps/data_files.hpp"
#include "apps/option_checks.hpp"
#include "apps/process.hpp"
#include "apps/run_epilogue.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/subprocess.hpp"
#include "core/units.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "reports/signing.hpp"
#include "bisection/run.hpp"
#include "runners/hang_watch.hpp"
#include "runners/harness.hpp"
#include "runners/host_answers.hpp"
#include "runners/hostfile.hpp"
#include "runners/launch_context.hpp"
#include "comm/mpi_communicator.hpp"
#include "runners/suite.hpp"

namespace kiln {
namespace {

struct RunArgs {
  std::string suite = "quick";
  std::string baseline = "auto";
  std::string shape;
  std::string hosts;
  std::string out = "kiln-out";
  std::string cluster;
  std::string mpirun_args;
  std::string sign_key;
  std::string chain;
  std::string duration;
  std::string history;
  std::string on_fail_node;
  std::string textfile_dir;
  bool resume = false;
  bool force = false;
  bool plan = false;
  bool bisect = false;
  bool rank_as_node = false;
  bool quiet = false;
  int gpus_per_node = 0;  // 0: this machine's GPUs (one rank when none)
  std::string mpi_thread_level = "single";

  EpilogueOptions Epilogue(std::string note = {}) const { return {history, on_fail_node, std::move(note), textfile_dir}; }
};

Environment EnvironmentFromVariables() {
  Environment env;
  if (const char* v = std::getenv("KILN_SYSFS_ROOT")) env.sysfs_root = v;
  if (const char* v = std::getenv("KILN_PROCFS_ROOT")) env.procfs_root = v;
  if (const char* v = std::getenv("KILN_ETC_ROOT")) env.etc_root = v;
  if (const char* v = std::getenv("KILN_NVML_LIBRARY")) env.nvml_library = v;
  if (const char* v = std::getenv("KILN_KERNEL_LOG")) env.kernel_log = v;
  if (const char* v = std::getenv("KILN_IB_WRITE_BW")) env.ib_write_bw = v;
  if (const char* v = std::getenv("KILN_IB_WRITE_LAT")) env.ib_write_lat = v;
  return env;
}

constexpr double kHostAnswerSeconds = 60;  // one host asked alone: ssh's connect, orted's start

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::vector<std::string> Joined(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// mpirun over `hostfile`, --gpus-per-node ranks on each host, then the user's --mpirun-args.
std::vector<std::string> MpirunOver(const RunArgs& args, const std::string& hostfile, std::size_t hosts) {
  RanksPerNode ranks = ChooseRanksPerNode(args.gpus_per_node, EnvironmentFromVariables().sysfs_root);
  return MpirunLauncher().LaunchCommand({hostfile, hosts, ranks.ranks, ranks.gpu_per_rank, Words(args.mpirun_args)});
}

// The run a controller starts under mpirun: this one's options less those the controller applies itself once the
// report is whole (signing, the chain, the history, the hook).
std::vector<std::string> ChildRun(const RunArgs& args, const char* argv0, const std::string& suite,
                                  const std::string& baseline, const std::string& hosts) {
  std::vector<std::string> command{ThisExecutable(argv0), "run", "--suite", suite, "--baseline", baseline,
                                   "--out", args.out, "--hosts", hosts, "--mpi-thread-level", args.mpi_thread_level};
  if (!args.shape.empty()) command.insert(command.end(), {"--shape", args.shape});
  if (!args.cluster.empty()) command.insert(command.end(), {"--cluster", args.cluster});
  if (!args.duration.empty()) command.insert(command.end(), {"--duration", args.duration});
  if (args.resume) command.push_back("--resume");
  if (args.force) command.push_back("--force");
  if (args.quiet) command.push_back("--quiet");
  if (args.rank_as_node) command.push_back("--rank-as-node");
  return command;
}

// A report the launch wrote: one that was not there, or not this one, before it started.
struct ReportStamp {
  explicit ReportStamp(const std::string& out) : path(out + "/report.json") { before = Now(); }
  std::optional<std::filesystem::file_time_type> Now() const {
    std::error_code error;
    auto time = std::filesystem::last_write_time(path, error);
    return error ? std::nullopt : std::optional(time);
  }
  bool Fresh() const { return Now() && Now() != before; }
  std::string path;
  std::optional<std::filesystem::file_time_type> before;
};

// mpirun as the controller's child, with stdin from /dev/null (kiln's ranks read none) and, when `drop_stdout`,
// stdout dropped (the summary of a report the controller completes and prints itself). It runs in a process group
// of its own so that a stop reaches it exactly once: SIGINT, SIGTERM or SIGHUP sent to kiln (a Ctrl-C, a
// scheduler's kill of the pid it started, a dropped ssh session) is forwarded to mpirun as one SIGTERM, which it
// passes to its ranks; they cut their step short and rank 0 writes the report of what was done. (A Ctrl-C that
// reached mpirun beside kiln's forward would be its second signal, and a third makes it exit at once, leaving its
// ranks behind.) Returns its exit status, or 128 + the signal that ended it.
int RunMpirunChild(const std::vector<std::string>& argv, bool drop_stdout) {
  std::vector<char*> c_args;
  for (const std::string& word : argv) c_args.push_back(const_cast<char*>(word.c_str()));
  c_args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (drop_stdout) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  InstallStopHandlers();
  std::fflush(nullptr);
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, c_args[0], &actions, &attributes, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw RunError(fmt::format("cannot start {}: {}", argv[0], std::strerror(error)));
  bool forwarded = false;
  int status = 0;
  while (true) {
    pid_t ended = ::waitpid(pid, &status, WNOHANG);
    if (ended == pid || (ended < 0 && errno != EINTR)) break;
    if (!forwarded && StopRequested()) {
      std::fprintf(stderr, "kiln: stopping: mpirun (pid %d) is asked to stop its ranks, which write the report of "
                           "what was done\n", static_cast<int>(pid));
      ::kill(pid, SIGTERM);
      forwarded = true;
    }
    // Until a stop, its eventfd wakes this at once; after, the fd stays readable and is left out.
    pollfd stop{StopRequestedFd(), POLLIN, 0};
    ::poll(&stop, forwarded ? 0 : 1, 100);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// mpirun ended before any rank reported and not with a code of Kiln's (0-3): a host that did not answer (ssh
// refused, no route) takes the whole job down at its start. Each host is asked alone; the run goes on over those
// that answer, and its report names the others with why. Returns the exit code.
int RunOverHostsThatAnswer(const RunArgs& args, const char* argv0, const std::vector<HostEntry>& hosts, int status) {
  std::fprintf(stderr, "kiln: mpirun exited %d before any rank reported: asking each host of %s alone\n", status,
               args.hosts.c_str());
  std::vector<HostAnswer> down;
  std::string answered;
  std::size_t up = 0;
  for (HostAnswer& answer : AskHosts(hosts, MpirunLauncher(), Words(args.mpirun_args), kHostAnswerSeconds)) {
    if (answer.answered) {
      answered += answer.host.name + (answer.host.slots > 1 ? fmt::format(" slots={}", answer.host.slots) : "") + "\n";
      ++up;
      continue;
    }
    std::fprintf(stderr, "kiln: host %s (%s:%d) did not join: %s\n", answer.host.name.c_str(), args.hosts.c_str(),
                 answer.host.line, answer.why.c_str());
    down.push_back(std::move(answer));
  }
  if (down.empty()) {
    std::fprintf(stderr, "kiln: every host of %s answered alone; the job failed for another reason (mpirun's output "
                         "above says which)\n", args.hosts.c_str());
    return kExitCannotRun;
  }
  std::optional<KeyPair> key;
  if (!args.sign_key.empty()) key = LoadSecretKey(args.sign_key);
  std::string suite = ResolveDataFile("suites", args.suite), baseline = ResolveBaselineArgument(args.baseline);
  std::string joined = args.out + "/hosts-that-answered";
  {
    OutFolderClaim claim = ClaimOutFolder(args.out, args.force);  // an earlier run moved aside now, with --force
    WriteFileAtomically(joined, answered);
  }
  RunArgs again = args;
  again.force = false;
  ReportStamp stamp(args.out);
  int rerun = up == 0 ? kExitCannotRun
                      : RunMpirunChild(Joined(MpirunOver(args, joined, up), ChildRun(again, argv0, suite, baseline, joined)), true);
  if (!stamp.Fresh()) {
    std::fprintf(stderr, "kiln: %s; no report\n", up == 0 ? "no host answered"
                                                          : fmt::format("mpirun over the {} host(s) that answered "
                                                                        "exited {}", up, rerun).c_str());
    return kExitCannotRun;
  }
  FileLock out_lock = LockOutFolder(args.out);
  nlohmann::json report = LoadReport(stamp.path);
  AddHostsNotJoined(report, down, args.hosts);
  WrittenBundle written = WriteReportBundle(std::move(report), {args.out, key, args.chain});
  return FinishRun(written.summary, written.report_path, written.exit_code, args.Epilogue());
}

// Outside any launcher with --hosts: run this same command under `mpirun` over the hosts; its exit status is
// kiln's, unless the launch failed before any rank reported (RunOverHostsThatAnswer).
int RunAsController(const RunArgs& args, const CommandLine& line, const std::vector<HostEntry>& hosts) {
  std::vector<std::string> command = MpirunOver(args, args.hosts, hosts.size());
  command.push_back(ThisExecutable(line.argv[0]));
  for (int i = 1; i < line.argc; ++i) command.push_back(line.argv[i]);
  ReportStamp stamp(args.out);
  int status = RunMpirunChild(command, false);
  if ((status >= 0 && status <= kExitCannotRun) || stamp.Fresh() || StopRequested()) return status;
  return RunOverHostsThatAnswer(args, line.argv[0], hosts, status);
}

// `kiln run --hosts FILE --bisect`: the run under mpirun as a child, then, if a pair or group probe failed,
// the bisection; signing, the chain, the history and the hook come last, on the report with the findings.
int RunWithBisection(const RunArgs& args, const char* argv0, std::size_t hosts) {
  std::string suite = ResolveDataFile("suites", args.suite);
  std::string baseline = ResolveBaselineArgument(args.baseline);
  std::vector<std::string> command = Joined(MpirunOver(args, args.hosts, hosts), ChildRun(args, argv0, suite, baseline, args.hosts));
  std::optional<KeyPair> key;
  if (!args.sign_key.empty()) key = LoadSecretKey(args.sign_key);  // a bad key fails before anything runs
  int status = RunMpirunChild(command, false);
  std::string report_path = args.out + "/report.json";
  if ((status != 0 && status != 1) || !std::filesystem::exists(report_path)) {
    std::fprintf(stderr, "kiln: mpirun exited %d without a report to bisect\n", status);
    return status == 0 || status == 1 ? kExitCannotRun : status;
  }
  FileLock out_lock = LockOutFolder(args.out);  // the run has ended; the bisection adds to its folder
  nlohmann::json report = LoadReport(report_path);
  BisectionRunOptions options;
  options.suite_path = suite;
  // Trials run one probe each, without the health step auto chooses by: they get the baseline the run chose.
  options.baseline_path = baseline == "auto" ? report.at("baseline").value("path", "") : baseline;
  if (options.baseline_path.empty()) options.baseline_path = ResolveDataFile("baselines", "cpu-host");
  options.hosts_path = args.hosts;
  options.out_dir = args.out;
  options.cluster = args.cluster;
  options.launcher = std::string(MpirunLauncher().Name());
  options.launcher_args = args.mpirun_args;
  options.ranks_per_node = ChooseRanksPerNode(args.gpus_per_node, EnvironmentFromVariables().sysfs_root);
  options.kiln_binary = ThisExecutable(argv0);
  options.quiet = args.quiet;
  options.interrupted = &StopRequested();
  InstallStopHandlers();
  std::string probe = AddBisectionToReport(report, options, ProbeRegistry::Default());
  WrittenBundle written = WriteReportBundle(std::move(report), {args.out, key, args.chain});
  return FinishRun(written.summary, written.report_path, written.exit_code,
                   args.Epilogue(probe.empty() ? "" : fmt::format(" (with the bisection of {})", probe)));
}

// `kiln run --plan`: the steps, their parameters and timeouts, and nothing run.
int PrintPlan(const Suite& suite, const std::string& baseline) {
  SuitePlan plan = PlanSuite(suite);
  fmt::print("suite {} ({}), baseline {}: {}\n", suite.name, suite.path, baseline, suite.description);
  for (const std::string& line : plan.lines) fmt::print("  {}\n", line);
  for (const std::string& warning : plan.warnings) fmt::print("warning: {}\n", warning);
  fmt::print("probes asked to run {}; at most {}{}\n", FormatDuration(plan.asked), plan.LimitText(),
             plan.pair_round_limit.count() > 0 ? " (n-1 rounds for n nodes)" : "");
  return 0;
}

// MPI_Finalize can block forever when a hung probe left a collective behind: bounded, then give up.
void FinalizeMpi(bool abandoned_work) {
  if (abandoned_work) return;  // the caller exits without finalizing
  // On this thread, the only one that ever calls MPI; a watch ends the process if it blocks.
  HangWatch watch(Seconds(30), Seconds(30), {}, [](Seconds) {
    std::fprintf(stderr, "kiln: MPI_Finalize did not finish in 30s; exiting without it\n");
    std::fflush(nullptr);
    std::_Exit(kExitCannotRun);
  });
  MPI_Finalize();
}

// A hung probe thread must not keep the process alive: leave without running destructors.
int ExitAfter(const HarnessResult& result, int exit_code) {
  if (result.abandoned_work) {
    std::fflush(nullptr);
    std::_Exit(exit_code);
  }
  return exit_code;
}

int RunUnderMpi(const RunArgs& args, const Suite& suite, const BaselineChoice& baseline,
                const ProbeRegistry& registry, const RunOptions& options) {
  // Only this thread calls MPI (collective probes run on it; node probes and the watchdogs never call MPI), so
  // FUNNELED is all Kiln needs. Open MPI turns on its internal locking for any level above SINGLE, which costs
  // small collectives 10-25% (docs/measurements.md): by default Kiln asks for SINGLE, as OSU and nccl-tests' MPI
  // do, since no other thread of it ever enters MPI; --mpi-thread-level funneled asks for the strict level.
  const int required = args.mpi_thread_level == "funneled" ? MPI_THREAD_FUNNELED : MPI_THREAD_SINGLE;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, required, &provided) != MPI_SUCCESS) {
    throw RunError("MPI_Init_thread failed");
  }
  if (provided < required) {
    MPI_Finalize();
    throw RunError(fmt::format("this MPI library does not provide MPI_THREAD_{} (--mpi-thread-level)",
                               args.mpi_thread_level == "funneled" ? "FUNNELED" : "SINGLE"));
  }
  HarnessResult result;
  auto world = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  try {
    result = RunHarness(world, suite, baseline, registry, options);
  } catch (const KilnError& e) {
    // Others may be waiting on this rank in a collective: abort the job rather than hang it.
    std::fprintf(stderr, "kiln: %s\n", e.what());
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, e.exit_code());
    return e.exit_code();
  }
  int exit_code = result.exit_code;
  if (!result.summary.empty()) exit_code = FinishRun(result.summary, result.report_path, exit_code, args.Epilogue());
  // A rank that leaves without MPI_Finalize (a hung probe's thread is left behind) makes mpirun kill the job: the
  // others wait, quietly, until rank 0 has written and printed everything.
  if (result.abandoned_work) world->QuietBarrier();
  FinalizeMpi(result.abandoned_work);
  return ExitAfter(result, exit_code);
}

int Run(const RunArgs& args, const CommandLine& line) {
  RequireOutFolder(args.out);
  RequireSignedChain(args.chain, args.sign_key);
  ProbeRegistry registry = ProbeRegistry::Default();
  Suite suite = LoadSuite(ResolveDataFile("suites", args.suite), registry);
  BaselineChoice baseline = ChooseBaseline(args.baseline, args.shape, registry.AllMetrics());
  if (args.plan) return PrintPlan(suite, args.baseline);
  RunOptions options;
  options.out_dir = args.out;
  options.cluster = args.cluster;
  options.rank_as_node = args.rank_as_node;
  options.quiet = args.quiet;
  options.env = EnvironmentFromVariables();
  if (!args.hosts.empty()) {
    options.hosts = LoadHostfile(args.hosts);
    options.hosts_path = args.hosts;
  }
  if (!args.sign_key.empty()) options.sign_key = LoadSecretKey(args.sign_key);  // bad key: exit 2 before measuring
  options.chain_dir = args.chain;
  if (!args.duration.empty()) {
    std::optional<Seconds> duration = ParseDuration(args.duration);
    if (!duration || duration->count() <= 0) {
      throw InputError(fmt::format("--duration '{}' is not a positive duration of at least 1ms and at most 365d, "
                                   "such as 90m, 48h or 3d", args.duration));
    }
    options.duration_s = duration->count();
  }
  options.resume = args.resume;
  options.force = args.force;
  options.interrupted = &StopRequested();
  const Launcher* launcher = DetectLauncher();
  options.launcher = std::string(LauncherName(launcher));
  if (!launcher && !args.hosts.empty() && args.bisect) return RunWithBisection(args, line.argv[0], options.hosts.size());
  if (args.bisect) throw InputError("--bisect needs --hosts FILE (kiln launches the jobs itself)");
  if (!launcher && !args.hosts.empty()) return RunAsController(args, line, options.hosts);

  InstallStopHandlers();
  options.interrupted_fd = StopRequestedFd();
  // When a watchdog ends a hung run, rank 0 finishes it as a run that returned would.
  options.finish = [&args](const HarnessResult& ended) {
    return FinishRun(ended.summary, ended.report_path, ended.exit_code, args.Epilogue());
  };
  if (launcher) return RunUnderMpi(args, suite, baseline, registry, options);
  HarnessResult result = RunHarness(std::make_shared<LocalCommunicator>(), suite, baseline, registry, options);
  return ExitAfter(result, FinishRun(result.summary, result.report_path, result.exit_code, args.Epilogue()));
}

}  // namespace

Command AddRunCommand(CLI::App& app, const CommandLine& line) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "run a suite under mpirun/srun, alone, or as controller (--hosts)");
  run->add_option("--suite", args->suite, "quick, acceptance, or a suite file")->capture_default_str();
  run->add_option("--baseline", args->baseline,
                  "auto (chosen from what the health probe finds), a SKU name (cpu-host, h200-sxm-141gb...) or a file")
      ->capture_default_str();
  run->add_option("--shape", args->shape, "node shape of the baseline (hgx-8gpu, 1gpu...); default: detected (auto) "
                                          "or the baseline's default shape");
  run->add_option("--hosts", args->hosts, "hostfile (Open MPI format); outside mpirun, kiln launches it")->check(NonEmpty());
  run->add_option("--out", args->out, "folder for report.json and the journal")->capture_default_str();
  run->add_flag("--plan", args->plan, "print the steps, their parameters and timeouts, and run nothing");
  run->add_flag("--force", args->force, "--out holds an earlier run's report: move it aside into --out/previous-<time>/");
  run->add_option("--cluster", args->cluster, "cluster name in the report");
  run->add_option("--mpirun-args", args->mpirun_args, "extra mpirun arguments in controller mode");
  run->add_option("--gpus-per-node", args->gpus_per_node, "with --hosts: ranks per host, one per GPU (default: this "
                  "machine's GPUs; 1 without)")->check(CLI::Range(1, 4096));
  run->add_option("--sign-key", args->sign_key, "secret key file (kiln keygen): sign report.json")->check(NonEmpty());
  run->add_option("--chain", args->chain, "folder of this cluster's signed reports: link this one to the last")->check(NonEmpty());
  run->add_option("--duration", args->duration, "burn-in: loop the suite for this long (90m, 48h, 3d)")->check(NonEmpty());
  run->add_option("--history", args->history, "add the report to this history database (SQLite)")->check(NonEmpty());
  run->add_option("--on-fail-node", args->on_fail_node,
                  "program run as PROGRAM NODE REASON for each failing node (no shell involved)")->check(NonEmpty());
  run->add_option("--textfile-dir", args->textfile_dir, "after the run, write DIR/kiln-<suite>.prom for node_exporter "
                  "(needs --cluster: the label every series carries)")->check(NonEmpty())->needs("--cluster");
  run->add_flag("--resume", args->resume, "continue the burn-in checkpointed in --out after a crash or reboot");
  run->add_flag("--bisect", args->bisect,
                "with --hosts: when a pair or group probe fails, find the nodes and links at fault (kiln bisect)");
  run->add_flag("--rank-as-node", args->rank_as_node, "each rank stands for a node (testing, emulation)");
  run->add_flag("--quiet", args->quiet, "no progress lines");
  run->add_option("--mpi-thread-level", args->mpi_thread_level,
                  "MPI thread level to ask for: single (default; only Kiln's main thread ever calls MPI) or funneled")
      ->check(CLI::IsMember({"single", "funneled"}));
  return {run, [args, line] { return Run(*args, line); }};
}

}  // namespace kiln
