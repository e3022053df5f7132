// `kiln schedule`: write the files a site needs to run sweeps (systemd service + timer, or Slurm batch + scrontab).

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "apps/command.hpp"
#include "apps/option_checks.hpp"
#include "apps/process.hpp"
#include "core/files.hpp"
#include "runners/launch_context.hpp"
#include "sweeps/schedule.hpp"

namespace kiln {
namespace {

// `path` against this folder: the units run in '/', where a relative path would name another file.
std::string Absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::current_path() / path).lexically_normal().string();
}

// Every path option made absolute (docs: README, "scheduled sweeps"); a suite, baseline or hook named by a word is
// left for kiln run to look up (data folders, PATH), unless a file of that name is here.
void MakePathsAbsolute(ScheduleOptions& o) {
  for (std::string* path : {&o.out_dir, &o.kiln, &o.reports_dir, &o.hosts, &o.history_db, &o.sign_key, &o.chain_dir,
                             &o.textfile_dir}) {
    *path = Absolute(*path);
  }
  std::error_code error;
  for (std::string* name : {&o.suite, &o.baseline}) {
    if (*name == "auto") continue;  // --baseline auto: chosen by the GPUs found
    if (IsDataFilePath(*name) || std::filesystem::is_regular_file(*name, error)) *name = Absolute(*name);
  }
  if (o.on_fail_node.find('/') != std::string::npos) o.on_fail_node = Absolute(o.on_fail_node);
}

int Schedule(ScheduleOptions options, const char* argv0) {
  if (options.kiln.empty()) options.kiln = ThisExecutable(argv0);
  MakePathsAbsolute(options);
  if (options.kind == "slurm" && options.gpus_per_node == 0) {  // the GPUs of this machine, when it has any
    const char* sysfs = std::getenv("KILN_SYSFS_ROOT");
    RanksPerNode ranks = ChooseRanksPerNode(0, sysfs ? sysfs : "/sys");
    if (ranks.gpu_per_rank) options.gpus_per_node = ranks.ranks;
  }
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

}  // namespace

Command AddScheduleCommand(CLI::App& app, const CommandLine& line) {
  auto options = std::make_shared<ScheduleOptions>();
  ScheduleOptions& o = *options;
  CLI::App* schedule = app.add_subcommand("schedule", "write what a site needs to run sweeps: Slurm or systemd files");
  schedule->add_option("--kind", o.kind, "slurm | systemd")->required()->check(CLI::IsMember({"slurm", "systemd"}));
  schedule->add_option("--out", o.out_dir, "folder for the files (a relative path is made absolute)")->required();
  schedule->add_option("--every", o.every, "hourly | daily | weekly | Nh")->capture_default_str();
  schedule->add_option("--reports", o.reports_dir, "each sweep's folder goes here")->required();
  schedule->add_option("--history", o.history_db, "history database every report is added to")->check(NonEmpty());
  schedule->add_option("--suite", o.suite, "suite of each sweep")->capture_default_str();
  schedule->add_option("--baseline", o.baseline, "baseline of each sweep")->capture_default_str();
  schedule->add_option("--hosts", o.hosts, "systemd: hostfile (kiln launches mpirun)")->check(NonEmpty());
  schedule->add_option("--cluster", o.cluster, "cluster name in the reports");
  schedule->add_option("--sign-key", o.sign_key, "sign every report with this key")->check(NonEmpty());
  schedule->add_option("--chain", o.chain_dir, "add every report to this chain")->check(NonEmpty());
  schedule->add_option("--textfile-dir", o.textfile_dir, "each sweep writes DIR/kiln-<suite>.prom for node_exporter")
      ->check(NonEmpty())->needs("--cluster");
  schedule->add_option("--on-fail-node", o.on_fail_node, "program run per failing node (NODE REASON)")->check(NonEmpty());
  schedule->add_flag("--drain", o.drain, "slurm: drain each failing node (writes kiln-drain-node.sh)");
  schedule->add_option("--gpus-per-node", o.gpus_per_node, "ranks per node, one per GPU (slurm default: this "
                       "machine's GPUs, 1 rank without; systemd: kiln run counts them)")->check(CLI::Range(1, 4096));
  schedule->add_option("--nodes", o.nodes, "slurm: nodes per sweep")->check(CLI::Range(1, 1000000));
  schedule->add_option("--partition", o.partition, "slurm: partition");
  schedule->add_option("--time", o.time_limit, "slurm: time limit")->capture_default_str();
  schedule->add_option("--srun-mpi", o.srun_mpi, "slurm: srun --mpi plugin")->capture_default_str();
  schedule->add_option("--kiln", o.kiln, "kiln binary the files run (default: this one)");
  return {schedule, [options, line] { return Schedule(*options, line.argv[0]); }};
}

}  // namespace kiln
