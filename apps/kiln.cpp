// The kiln command line: parses, then calls the library. Exit codes as in design.md.

#include <CLI/CLI.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <fmt/format.h>
#include <mpi.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "apps/data_files.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/units.hpp"
#include "probes/registry.hpp"
#include "history/history_db.hpp"
#include "history/stability.hpp"
#include "reports/chain.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "reports/signing.hpp"
#include "reports/terminal_summary.hpp"
#include "runners/bisection_run.hpp"
#include "runners/fail_node_hook.hpp"
#include "runners/schedule.hpp"
#include "runners/harness.hpp"
#include "runners/hostfile.hpp"
#include "runners/launch_context.hpp"
#include "runners/mpi_communicator.hpp"
#include "runners/suite.hpp"

namespace kiln {
namespace {

struct RunArgs {
  std::string suite = "quick";
  std::string baseline = "cpu-host";
  std::string hosts;
  std::string out = "kiln-out";
  std::string cluster;
  std::string mpirun_args;
  std::string sign_key;
  std::string chain;
  std::string duration;
  std::string history;
  std::string on_fail_node;
  bool resume = false;
  bool bisect = false;
  bool rank_as_node = false;
  bool quiet = false;
};

// SIGINT and SIGTERM ask for a clean stop: the run finishes or cuts short its step and writes its report.
std::atomic<bool> g_interrupted{false};
extern "C" void OnStopSignal(int) { g_interrupted.store(true); }

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

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

// This binary, for launching more of itself.
std::string ThisExecutable(const char* argv0) {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? argv0 : exe.string();
}

// Outside any launcher with --hosts: become `mpirun` over the hosts, one rank per node, running this
// same command. mpirun's exit status becomes kiln's.
[[noreturn]] void LaunchUnderMpirun(const RunArgs& args, int argc, char** argv) {
  std::vector<std::string> command = MpirunOnePerNode(args.hosts, args.mpirun_args);
  command.push_back(ThisExecutable(argv[0]));
  for (int i = 1; i < argc; ++i) command.push_back(argv[i]);
  std::vector<char*> c_args;
  for (std::string& word : command) c_args.push_back(word.data());
  c_args.push_back(nullptr);
  std::fflush(nullptr);
  ::execvp(c_args[0], c_args.data());
  throw RunError(fmt::format("cannot start mpirun to launch on the hosts of {}: {}", args.hosts, std::strerror(errno)));
}

void CallFailNodeHook(const std::string& program, const std::string& report_path);
void AddToHistory(const std::string& db_path, const std::string& report_path);

// Starts a program with this process's output and waits for it; its exit status, or 128 + signal.
int RunAttached(const std::vector<std::string>& argv) {
  std::vector<char*> c_args;
  for (const std::string& word : argv) c_args.push_back(const_cast<char*>(word.c_str()));
  c_args.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = -1;
  if (int error = posix_spawnp(&pid, c_args[0], nullptr, nullptr, c_args.data(), environ); error != 0) {
    throw RunError(fmt::format("cannot start {}: {}", argv[0], std::strerror(error)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// `kiln run --hosts FILE --bisect`: the run under mpirun as a child, then, if a pair or group probe failed,
// the bisection; signing, the chain, the history and the hook come last, on the report with the findings.
int RunWithBisection(const RunArgs& args, const char* argv0) {
  std::vector<std::string> command = MpirunOnePerNode(args.hosts, args.mpirun_args);
  std::string suite = ResolveDataFile("suites", args.suite), baseline = ResolveDataFile("baselines", args.baseline);
  for (const std::string& word : {ThisExecutable(argv0), std::string("run"), std::string("--suite"), suite,
                                  std::string("--baseline"), baseline, std::string("--out"), args.out,
                                  std::string("--hosts"), args.hosts}) {
    command.push_back(word);
  }
  if (!args.cluster.empty()) command.insert(command.end(), {"--cluster", args.cluster});
  if (!args.duration.empty()) command.insert(command.end(), {"--duration", args.duration});
  if (args.resume) command.push_back("--resume");
  if (args.quiet) command.push_back("--quiet");
  std::optional<KeyPair> key;
  if (!args.sign_key.empty()) key = LoadSecretKey(args.sign_key);  // a bad key fails before anything runs
  int status = RunAttached(command);
  std::string report_path = args.out + "/report.json";
  if ((status != 0 && status != 1) || !std::filesystem::exists(report_path)) {
    std::fprintf(stderr, "kiln: mpirun exited %d without a report to bisect\n", status);
    return status == 0 || status == 1 ? kExitCannotRun : status;
  }
  nlohmann::json report = LoadReport(report_path);
  BisectionRunOptions options;
  options.suite_path = suite;
  options.baseline_path = baseline;
  options.hosts_path = args.hosts;
  options.out_dir = args.out;
  options.cluster = args.cluster;
  options.launcher = "mpirun";
  options.launcher_args = args.mpirun_args;
  options.kiln_binary = ThisExecutable(argv0);
  options.quiet = args.quiet;
  options.interrupted = &g_interrupted;
  InstallStopHandlers();
  std::string probe = AddBisectionToReport(report, options, ProbeRegistry::Default());
  WrittenBundle written = WriteReportBundle(std::move(report), {args.out, key, args.chain});
  std::fputs(written.summary.c_str(), stdout);
  std::printf("kiln: report written to %s%s\n", written.report_path.c_str(),
              probe.empty() ? "" : fmt::format(" (with the bisection of {})", probe).c_str());
  if (!args.history.empty()) AddToHistory(args.history, written.report_path);
  if (!args.on_fail_node.empty()) CallFailNodeHook(args.on_fail_node, written.report_path);
  return written.exit_code;
}

// MPI_Finalize can block forever when a hung probe left a collective behind: bounded, then give up.
void FinalizeMpi(bool abandoned_work) {
  if (abandoned_work) return;  // the caller exits without finalizing
  auto done = std::async(std::launch::async, [] { MPI_Finalize(); });
  if (done.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    std::fprintf(stderr, "kiln: MPI_Finalize did not finish in 30s; exiting without it\n");
    std::fflush(nullptr);
    std::_Exit(kExitCannotRun);
  }
}

// Runs the --on-fail-node hook for each failing node; a hook that fails is reported, not hidden.
void CallFailNodeHook(const std::string& program, const std::string& report_path) {
  for (const HookCall& call : RunFailNodeHook(program, report_path)) {
    if (call.exit_code == 0) {
      std::printf("kiln: %s %s: done\n", program.c_str(), call.node.c_str());
    } else {
      std::fprintf(stderr, "kiln: %s %s failed (exit %d): %s\n", program.c_str(), call.node.c_str(), call.exit_code,
                   call.message.c_str());
    }
  }
}

// Adds a finished report to the history database.
void AddToHistory(const std::string& db_path, const std::string& report_path) {
  HistoryDb db(db_path);
  bool added = db.Add(LoadReport(report_path), ReadFile(report_path), report_path);
  std::printf("kiln: %s %s history %s\n", report_path.c_str(), added ? "added to" : "already in", db_path.c_str());
}

int Run(const RunArgs& args, int argc, char** argv) {
  ProbeRegistry registry = ProbeRegistry::Default();
  Suite suite = LoadSuite(ResolveDataFile("suites", args.suite), registry);
  Baseline baseline = LoadBaseline(ResolveDataFile("baselines", args.baseline), registry.AllMetrics());
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
      throw InputError(fmt::format("--duration '{}' is not a positive duration such as 90m, 48h or 3d", args.duration));
    }
    options.duration_s = duration->count();
  }
  options.resume = args.resume;
  options.interrupted = &g_interrupted;
  Launcher launcher = DetectLauncher();
  options.launcher = std::string(ToString(launcher));
  if (launcher == Launcher::kNone && !args.hosts.empty() && args.bisect) return RunWithBisection(args, argv[0]);
  if (args.bisect) throw InputError("--bisect needs --hosts FILE (kiln launches the jobs itself)");
  if (launcher == Launcher::kNone && !args.hosts.empty()) LaunchUnderMpirun(args, argc, argv);

  InstallStopHandlers();
  if (launcher == Launcher::kNone) {
    HarnessResult result = RunHarness(std::make_shared<LocalCommunicator>(), suite, baseline, registry, options);
    std::fputs(result.summary.c_str(), stdout);
    std::printf("kiln: report written to %s\n", result.report_path.c_str());
    if (!args.history.empty()) AddToHistory(args.history, result.report_path);
    if (!args.on_fail_node.empty()) CallFailNodeHook(args.on_fail_node, result.report_path);
    if (result.abandoned_work) {
      std::fflush(nullptr);
      std::_Exit(result.exit_code);  // a hung probe thread must not keep the process alive
    }
    return result.exit_code;
  }

  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
    throw RunError("MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_MULTIPLE) {
    MPI_Finalize();
    throw RunError("this MPI library does not provide MPI_THREAD_MULTIPLE, which Kiln's watchdog needs");
  }
  HarnessResult result;
  try {
    result = RunHarness(std::make_shared<MpiCommunicator>(MPI_COMM_WORLD), suite, baseline, registry, options);
  } catch (const KilnError& e) {
    // Others may be waiting on this rank in a collective: abort the job rather than hang it.
    std::fprintf(stderr, "kiln: %s\n", e.what());
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, e.exit_code());
    return e.exit_code();
  }
  if (!result.summary.empty()) {
    std::fputs(result.summary.c_str(), stdout);
    std::printf("kiln: report written to %s\n", result.report_path.c_str());
    try {
      if (!args.history.empty()) AddToHistory(args.history, result.report_path);
      if (!args.on_fail_node.empty()) CallFailNodeHook(args.on_fail_node, result.report_path);
    } catch (const KilnError& e) {
      std::fprintf(stderr, "kiln: %s\n", e.what());
      result.exit_code = std::max(result.exit_code, e.exit_code());
    }
  }
  FinalizeMpi(result.abandoned_work);
  if (result.abandoned_work) {
    std::fflush(nullptr);
    std::_Exit(result.exit_code);
  }
  return result.exit_code;
}

struct BisectArgs {
  BisectionRunOptions options;
  std::string suite = "quick";
  std::string baseline = "cpu-host";
  std::string sign_key;
  std::string stages = "node,pair,group";
  bool no_padding = false;
};

int Bisect(BisectArgs& args, const char* argv0) {
  ProbeRegistry registry = ProbeRegistry::Default();
  BisectionRunOptions& options = args.options;
  options.suite_path = ResolveDataFile("suites", args.suite);
  options.baseline_path = ResolveDataFile("baselines", args.baseline);
  options.kiln_binary = ThisExecutable(argv0);
  if (!args.sign_key.empty()) options.sign_key = LoadSecretKey(args.sign_key);
  options.planner.node_stage = options.planner.pair_stage = options.planner.group_stage = false;
  std::istringstream stages(args.stages);
  for (std::string stage; std::getline(stages, stage, ',');) {
    if (stage == "node") options.planner.node_stage = true;
    else if (stage == "pair") options.planner.pair_stage = true;
    else if (stage == "group") options.planner.group_stage = true;
    else throw InputError(fmt::format("--stages: unknown stage '{}' (node, pair, group)", stage));
  }
  options.planner.keep_scale = !args.no_padding;
  options.interrupted = &g_interrupted;
  InstallStopHandlers();
  BisectionRunResult result = RunBisection(options, registry);
  std::fputs(result.summary.c_str(), stdout);
  std::printf("kiln: report written to %s\n", result.report_path.c_str());
  return result.exit_code;
}

int Sign(const std::string& key_path, const std::string& report_path) {
  KeyPair keys = LoadSecretKey(key_path);
  nlohmann::json report = LoadReport(report_path);
  std::string content = ReadFile(report_path);
  WriteFileAtomically(report_path + ".minisig", SignatureFileText(keys, content, ReportIdentity(report, content)));
  fmt::print("kiln: signed {} with key {} -> {}.minisig\n", report_path, KeyIdHex(keys.key_id), report_path);
  return 0;
}

int Verify(const std::string& pubkey_path, const std::string& report_path, std::string signature_path) {
  KeyPair keys = LoadPublicKey(pubkey_path);
  std::string content = ReadFile(report_path);
  if (signature_path.empty()) signature_path = report_path + ".minisig";
  std::string signature = ReadFile(signature_path);
  VerifyResult result = VerifySignature(keys, content, signature);
  if (!result.ok) {
    fmt::print(stderr, "kiln: {}: NOT VERIFIED: {} (signature {})\n", report_path, result.message, signature_path);
    return kExitFailed;
  }
  // The signature is good; the identity it carries must also be this report's.
  std::string hash = Sha256Hex(content);
  if (result.trusted_comment.find("sha256=" + hash) == std::string::npos) {
    fmt::print(stderr, "kiln: {}: NOT VERIFIED: the signed identity names another report ({})\n", report_path,
               result.trusted_comment);
    return kExitFailed;
  }
  fmt::print("kiln: {}: verified with key {}\nkiln: trusted comment: {}\n", report_path, KeyIdHex(keys.key_id),
             result.trusted_comment);
  return 0;
}

int VerifyChainCommand(const std::string& pubkey_path, const std::string& dir) {
  ChainCheck check = VerifyChain(dir, LoadPublicKey(pubkey_path));
  for (const std::string& line : check.lines) fmt::print("{}\n", line);
  if (!check.ok) {
    fmt::print(stderr, "kiln: chain {} NOT VERIFIED: {}\n", dir, check.problem);
    return kExitFailed;
  }
  fmt::print("kiln: chain {} verified: {} report(s), each signed and linked to the one before\n", dir, check.reports);
  return 0;
}

int List(const std::string& what) {
  ProbeRegistry registry = ProbeRegistry::Default();
  if (what == "probes") {
    for (const auto& probe : registry.probes()) {
      fmt::print("{:<16} {:<6} {}\n", probe->Name(), ToString(probe->scope()), probe->Description());
      for (const ParamSpec& p : probe->Parameters()) {
        fmt::print("    param  {:<20} {:<9} default {:<12} {}\n", p.name, ToString(p.type),
                   p.default_value.empty() ? "\"\"" : p.default_value, p.description);
      }
      for (const MetricSpec& m : probe->Metrics()) {
        fmt::print("    metric {:<32} {:<6} {}\n", m.name, m.unit, m.description);
      }
    }
    return 0;
  }
  std::string kind = what == "suites" ? "suites" : "baselines";
  for (const std::string& name : ListDataFiles(kind)) fmt::print("{}\n", name);
  return 0;
}

struct HistoryArgs {
  std::string db = "kiln-history.db";
  std::vector<std::string> add;
  HistoryQuery query;
  std::string format = "text";
  bool drift_only = false;
};

int History(HistoryArgs& args) {
  if (!args.query.since.empty()) args.query.since = NormalizeTimestamp(args.query.since, "--since");
  if (!args.query.until.empty()) args.query.until = NormalizeTimestamp(args.query.until, "--until");
  HistoryDb db(args.db);
  if (!args.add.empty()) {
    for (const std::string& path : args.add) {
      bool added = db.Add(LoadReport(path), ReadFile(path), path);
      fmt::print("kiln: {} {}\n", path, added ? "added" : "already in the history");
    }
    return 0;
  }
  nlohmann::json series = HistorySeries(db, args.query);
  if (args.format == "json") {
    fmt::print("{}\n", series.dump(2));
  } else {
    std::fputs(RenderHistoryText(series, args.drift_only).c_str(), stdout);
  }
  return 0;
}

int Schedule(ScheduleOptions options, const char* argv0) {
  if (options.kiln.empty()) options.kiln = ThisExecutable(argv0);
  std::map<std::string, std::string> files = MakeScheduleFiles(options);
  MakeDirectories(options.out_dir);
  for (const auto& [name, content] : files) {
    std::string path = options.out_dir + "/" + name;
    WriteFileAtomically(path, content);
    bool script = name.ends_with(".sh") || name.ends_with(".sbatch");
    std::filesystem::permissions(path, script ? std::filesystem::perms(0755) : std::filesystem::perms(0644));
    fmt::print("kiln: wrote {}\n", path);
  }
  if (options.kind == "systemd") {
    fmt::print("kiln: install: cp {0}/kiln-sweep.service {0}/kiln-sweep.timer /etc/systemd/system/ && "
               "systemctl daemon-reload && systemctl enable --now kiln-sweep.timer\n", options.out_dir);
  } else {
    fmt::print("kiln: install: scrontab {0}/kiln-sweep.scrontab (or run sbatch {0}/kiln-sweep.sbatch)\n", options.out_dir);
  }
  return 0;
}

struct StabilityArgs {
  std::string db = "kiln-history.db";
  std::string sign_key;
};

int Stability(const StabilityArgs& args, HistoryQuery query, const std::string& format, const std::string& output) {
  if (query.since.empty()) throw InputError("kiln report --stability needs --since DATE");
  query.since = NormalizeTimestamp(query.since, "--since");
  if (!query.until.empty()) query.until = NormalizeTimestamp(query.until, "--until");
  if (!std::filesystem::exists(args.db)) throw InputError(fmt::format("history database '{}' does not exist", args.db));
  HistoryDb db(args.db);
  nlohmann::json stability = BuildStabilityReport(db, query);
  std::string text = format == "html"   ? RenderStabilityHtml(stability)
                     : format == "json" ? stability.dump(2) + "\n"
                     : format == "text" ? RenderStabilityText(stability)
                                        : throw InputError(fmt::format("--format '{}' for --stability: json, html or text", format));
  if (output.empty() || output == "-") {
    if (!args.sign_key.empty()) throw InputError("--sign-key needs -o FILE: the signature goes next to it");
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  WriteFileAtomically(output, text);
  if (!args.sign_key.empty()) {
    KeyPair keys = LoadSecretKey(args.sign_key);
    std::string comment = fmt::format("kiln-stability since={} until={} sweeps={} sha256={}", query.since,
                                      query.until.empty() ? "-" : query.until,
                                      stability["fleet"]["sweeps"].get<int>(), Sha256Hex(text));
    WriteFileAtomically(output + ".minisig", SignatureFileText(keys, text, comment));
    fmt::print("kiln: signed {} with key {} -> {}.minisig\n", output, KeyIdHex(keys.key_id), output);
  }
  return 0;
}

int Report(const std::string& path, const std::string& format, const std::string& output) {
  if (path.empty()) throw InputError("kiln report needs a report.json (or --stability)");
  std::string text = Render(LoadReport(path), format);
  if (output.empty() || output == "-") {
    std::fputs(text.c_str(), stdout);
  } else {
    WriteFileAtomically(output, text);
  }
  return 0;
}

int Main(int argc, char** argv) {
  if (sodium_init() < 0) throw RunError("libsodium failed to initialise");
  CLI::App app{"Kiln: fires a GPU cluster and proves every node and link performs as promised"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(KILN_VERSION));

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "run a suite under mpirun/srun, alone, or as controller (--hosts)");
  run->add_option("--suite", run_args.suite, "quick, acceptance, or a suite file")->capture_default_str();
  run->add_option("--baseline", run_args.baseline, "SKU name (cpu-host, h100-sxm5-80gb...) or a baseline file")
      ->capture_default_str();
  run->add_option("--hosts", run_args.hosts, "hostfile (Open MPI format); outside mpirun, kiln launches it");
  run->add_option("--out", run_args.out, "folder for report.json and the journal")->capture_default_str();
  run->add_option("--cluster", run_args.cluster, "cluster name in the report");
  run->add_option("--mpirun-args", run_args.mpirun_args, "extra mpirun arguments in controller mode");
  run->add_option("--sign-key", run_args.sign_key, "secret key file (kiln keygen): sign report.json");
  run->add_option("--chain", run_args.chain, "folder of this cluster's signed reports: link this one to the last");
  run->add_option("--duration", run_args.duration, "burn-in: loop the suite for this long (90m, 48h, 3d)");
  run->add_option("--history", run_args.history, "add the report to this history database (SQLite)");
  run->add_option("--on-fail-node", run_args.on_fail_node,
                  "program run as PROGRAM NODE REASON for each failing node (no shell involved)");
  run->add_flag("--resume", run_args.resume, "continue the burn-in checkpointed in --out after a crash or reboot");
  run->add_flag("--bisect", run_args.bisect,
                "with --hosts: when a pair or group probe fails, find the nodes and links at fault (kiln bisect)");
  run->add_flag("--rank-as-node", run_args.rank_as_node, "each rank stands for a node (testing, emulation)");
  run->add_flag("--quiet", run_args.quiet, "no progress lines");

  BisectArgs bisect_args;
  BisectionRunOptions& bo = bisect_args.options;
  CLI::App* bisect = app.add_subcommand("bisect", "find the nodes and links that make a probe fail or fall below its baseline");
  bisect->add_option("--hosts", bo.hosts_path, "hostfile of the nodes to search (launches mpirun/srun per trial)");
  bisect->add_option("--simulate", bo.simulate_path, "CLUSTER.xml: virtual nodes with injected faults, no MPI");
  bisect->add_option("--probe", bo.probe, "the probe to explain: mpi_allreduce, nccl, mpi_link, ib_link...")
      ->capture_default_str();
  bisect->add_option("--node-probe", bo.node_probe, "stage 1 probe, or none")->capture_default_str();
  bisect->add_option("--pair-probe", bo.pair_probe, "stage 2 probe for a group --probe (default mpi_link), or none");
  bisect->add_option("--stages", bisect_args.stages, "stages to run, in this order")->capture_default_str();
  bisect->add_option("--suite", bisect_args.suite, "suite whose steps give the probes' parameters and timeouts")
      ->capture_default_str();
  bisect->add_option("--baseline", bisect_args.baseline, "what a trial must meet to pass")->capture_default_str();
  bisect->add_option("--out", bo.out_dir, "folder for report.json and every trial's folder")->capture_default_str();
  bisect->add_option("--cluster", bo.cluster, "cluster name in the report");
  bisect->add_option("--launcher", bo.launcher, "auto | mpirun | srun")->capture_default_str();
  bisect->add_option("--launcher-args", bo.launcher_args, "extra words for mpirun or srun");
  bisect->add_option("--launch-slack", bo.launch_slack_s, "seconds a job may take beyond its step's timeout")
      ->capture_default_str()->check(CLI::PositiveNumber);
  bisect->add_option("--parallel", bo.parallel, "most jobs at once")->capture_default_str()->check(CLI::PositiveNumber);
  bisect->add_option("--retests", bo.planner.retests, "retests of a suspect whose failure does not repeat")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  bisect->add_flag("--no-padding", bisect_args.no_padding, "do not pad halves with cleared nodes to keep the scale");
  bisect->add_option("--sign-key", bisect_args.sign_key, "secret key file: sign report.json");
  bisect->add_option("--chain", bo.chain_dir, "folder of this cluster's signed reports: link this one to the last");
  bisect->add_flag("--quiet", bo.quiet, "no progress lines");

  std::string list_what;
  CLI::App* list = app.add_subcommand("list", "list probes, suites or baselines");
  list->add_option("what", list_what, "probes | suites | baselines")
      ->required()
      ->check(CLI::IsMember({"probes", "suites", "baselines"}));

  std::string report_path, report_format = "text", report_output;
  CLI::App* report = app.add_subcommand("report", "render a report.json");
  report->add_option("results", report_path, "report.json");
  bool stability = false;
  StabilityArgs stability_args;
  HistoryQuery stability_query;
  report->add_flag("--stability", stability, "a stability report over the history instead (needs --since)");
  report->add_option("--since", stability_query.since, "--stability: from this date (2026-11-01) or time");
  report->add_option("--until", stability_query.until, "--stability: up to this date or time");
  report->add_option("--db", stability_args.db, "--stability: history database")->capture_default_str();
  report->add_option("--sign-key", stability_args.sign_key, "--stability: sign the output file (FILE.minisig)");
  report->add_option("--format", report_format, "html | junit | prom | md | text | json")->capture_default_str();
  report->add_option("-o,--output", report_output, "output file (default: stdout)");

  HistoryArgs history_args;
  CLI::App* history = app.add_subcommand("history", "sweeps over time: per node and metric, with drift");
  history->add_option("--db", history_args.db, "history database (SQLite)")->capture_default_str();
  history->add_option("--add", history_args.add, "add these report.json files, then stop");
  history->add_option("--node", history_args.query.subject_glob, "subjects to show (glob: node0*)");
  history->add_option("--metric", history_args.query.series_glob, "series to show (glob: host.stream.*)");
  history->add_option("--since", history_args.query.since, "from this date or time");
  history->add_option("--until", history_args.query.until, "up to this date or time");
  history->add_option("--drift-threshold", history_args.query.drift.min_relative_change,
                      "share a series must lose to count as drift")->capture_default_str();
  history->add_flag("--drift-only", history_args.drift_only, "show only drifting series");
  history->add_option("--format", history_args.format, "text | json")->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));

  ScheduleOptions schedule_options;
  CLI::App* schedule = app.add_subcommand("schedule", "write what a site needs to run sweeps: Slurm or systemd files");
  schedule->add_option("--kind", schedule_options.kind, "slurm | systemd")->required()
      ->check(CLI::IsMember({"slurm", "systemd"}));
  schedule->add_option("--out", schedule_options.out_dir, "folder for the files (absolute)")->required();
  schedule->add_option("--every", schedule_options.every, "hourly | daily | weekly | Nh")->capture_default_str();
  schedule->add_option("--reports", schedule_options.reports_dir, "each sweep's folder goes here (absolute)")->required();
  schedule->add_option("--history", schedule_options.history_db, "history database every report is added to");
  schedule->add_option("--suite", schedule_options.suite, "suite of each sweep")->capture_default_str();
  schedule->add_option("--baseline", schedule_options.baseline, "baseline of each sweep")->capture_default_str();
  schedule->add_option("--hosts", schedule_options.hosts, "systemd: hostfile (kiln launches mpirun)");
  schedule->add_option("--cluster", schedule_options.cluster, "cluster name in the reports");
  schedule->add_option("--sign-key", schedule_options.sign_key, "sign every report with this key");
  schedule->add_option("--chain", schedule_options.chain_dir, "add every report to this chain");
  schedule->add_option("--on-fail-node", schedule_options.on_fail_node, "program run per failing node (NODE REASON)");
  schedule->add_flag("--drain", schedule_options.drain, "slurm: drain each failing node (writes kiln-drain-node.sh)");
  schedule->add_option("--nodes", schedule_options.nodes, "slurm: nodes per sweep");
  schedule->add_option("--partition", schedule_options.partition, "slurm: partition");
  schedule->add_option("--time", schedule_options.time_limit, "slurm: time limit")->capture_default_str();
  schedule->add_option("--srun-mpi", schedule_options.srun_mpi, "slurm: srun --mpi plugin")->capture_default_str();
  schedule->add_option("--kiln", schedule_options.kiln, "kiln binary the files run (default: this one)");

  std::string keygen_dir;
  CLI::App* keygen = app.add_subcommand("keygen", "make an Ed25519 key pair (minisign format): DIR/kiln.key, DIR/kiln.pub");
  keygen->add_option("--out", keygen_dir, "folder for the key pair")->required();

  std::string sign_key, sign_report;
  CLI::App* sign = app.add_subcommand("sign", "sign a report: writes REPORT.json.minisig");
  sign->add_option("--key", sign_key, "secret key file")->required();
  sign->add_option("report", sign_report, "report.json")->required();

  std::string verify_key, verify_report, verify_signature, verify_chain;
  CLI::App* verify = app.add_subcommand("verify", "check a report's signature, or a whole chain (exit 0 verified, 1 not)");
  verify->add_option("--pubkey", verify_key, "public key file")->required();
  verify->add_option("--signature", verify_signature, "signature file (default: REPORT.minisig)");
  verify->add_option("--chain", verify_chain, "folder of a cluster's reports: check every signature and link");
  verify->add_option("report", verify_report, "report.json");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }
  if (run->parsed()) return Run(run_args, argc, argv);
  if (list->parsed()) return List(list_what);
  if (bisect->parsed()) return Bisect(bisect_args, argv[0]);
  if (report->parsed() && stability) {
    return Stability(stability_args, stability_query, report_format, report_output);
  }
  if (report->parsed()) return Report(report_path, report_format, report_output);
  if (history->parsed()) return History(history_args);
  if (schedule->parsed()) return Schedule(schedule_options, argv[0]);
  if (keygen->parsed()) {
    WriteKeyPair(keygen_dir);
    fmt::print("kiln: wrote {0}/kiln.key (secret, mode 0600) and {0}/kiln.pub (give this one to customers)\n", keygen_dir);
    return 0;
  }
  if (sign->parsed()) return Sign(sign_key, sign_report);
  if (verify->parsed()) {
    if (!verify_chain.empty()) return VerifyChainCommand(verify_key, verify_chain);
    if (verify_report.empty()) throw InputError("kiln verify needs a report.json or --chain DIR");
    return Verify(verify_key, verify_report, verify_signature);
  }
  return kExitBadInput;
}

}  // namespace
}  // namespace kiln

int main(int argc, char** argv) {
  try {
    return kiln::Main(argc, argv);
  } catch (const kiln::KilnError& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", e.what());
    return kiln::kExitCannotRun;
  }
}
