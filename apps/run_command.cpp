// `kiln run`: a suite alone, under mpirun/srun, as the controller of mpirun over --hosts, or with --bisect.

#include <fmt/format.h>
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "apps/command.hpp"
#include "apps/data_files.hpp"
#include "apps/option_checks.hpp"
#include "apps/process.hpp"
#include "apps/run_epilogue.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/subprocess.hpp"
#include "core/units.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "reports/signing.hpp"
#include "bisection/run.hpp"
#include "runners/hang_watch.hpp"
#include "runners/harness.hpp"
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

// Outside any launcher with --hosts: become `mpirun` over the hosts, one rank per node, running this
// same command. mpirun's exit status becomes kiln's.
[[noreturn]] void LaunchUnderMpirun(const RunArgs& args, const CommandLine& line) {
  std::vector<std::string> command = MpirunOnePerNode(args.hosts, args.mpirun_args);
  command.push_back(ThisExecutable(line.argv[0]));
  for (int i = 1; i < line.argc; ++i) command.push_back(line.argv[i]);
  std::vector<char*> c_args;
  for (std::string& word : command) c_args.push_back(word.data());
  c_args.push_back(nullptr);
  std::fflush(nullptr);
  ::execvp(c_args[0], c_args.data());
  throw RunError(fmt::format("cannot start mpirun to launch on the hosts of {}: {}", args.hosts, std::strerror(errno)));
}

// `kiln run --hosts FILE --bisect`: the run under mpirun as a child, then, if a pair or group probe failed,
// the bisection; signing, the chain, the history and the hook come last, on the report with the findings.
int RunWithBisection(const RunArgs& args, const char* argv0) {
  std::vector<std::string> command = MpirunOnePerNode(args.hosts, args.mpirun_args);
  std::string suite = ResolveDataFile("suites", args.suite);
  std::string baseline = ResolveBaselineArgument(args.baseline);
  for (const std::string& word : {ThisExecutable(argv0), std::string("run"), std::string("--suite"), suite,
                                  std::string("--baseline"), baseline, std::string("--out"), args.out,
                                  std::string("--hosts"), args.hosts}) {
    command.push_back(word);
  }
  if (!args.shape.empty()) command.insert(command.end(), {"--shape", args.shape});
  if (!args.cluster.empty()) command.insert(command.end(), {"--cluster", args.cluster});
  if (!args.duration.empty()) command.insert(command.end(), {"--duration", args.duration});
  if (args.resume) command.push_back("--resume");
  if (args.force) command.push_back("--force");
  if (args.quiet) command.push_back("--quiet");
  std::optional<KeyPair> key;
  if (!args.sign_key.empty()) key = LoadSecretKey(args.sign_key);  // a bad key fails before anything runs
  int status = RunAttached(command);
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
  options.launcher = "mpirun";
  options.launcher_args = args.mpirun_args;
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
  Launcher launcher = DetectLauncher();
  options.launcher = std::string(ToString(launcher));
  if (launcher == Launcher::kNone && !args.hosts.empty() && args.bisect) return RunWithBisection(args, line.argv[0]);
  if (args.bisect) throw InputError("--bisect needs --hosts FILE (kiln launches the jobs itself)");
  if (launcher == Launcher::kNone && !args.hosts.empty()) LaunchUnderMpirun(args, line);

  InstallStopHandlers();
  options.interrupted_fd = StopRequestedFd();
  // When a watchdog ends a hung run, rank 0 finishes it as a run that returned would.
  options.finish = [&args](const HarnessResult& ended) {
    return FinishRun(ended.summary, ended.report_path, ended.exit_code, args.Epilogue());
  };
  if (launcher != Launcher::kNone) return RunUnderMpi(args, suite, baseline, registry, options);
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
