#include "sweeps/schedule.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/errors.hpp"
#include "reports/printable.hpp"
#include "reports/report.hpp"

namespace kiln {

bool IsDataFilePath(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".xml");
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

Period ParsePeriod(const std::string& every) {
  if (every == "hourly") return {"0 * * * *", "*-*-* *:00:00"};
  if (every == "daily") return {"0 3 * * *", "*-*-* 03:00:00"};
  if (every == "weekly") return {"0 3 * * 0", "Sun *-*-* 03:00:00"};
  int hours = 0;
  if (every.size() >= 2 && every.back() == 'h') {
    auto [end, error] = std::from_chars(every.data(), every.data() + every.size() - 1, hours);
    if (error == std::errc() && end == every.data() + every.size() - 1 && hours >= 1 && hours <= 24 && 24 % hours == 0) {
      if (hours == 24) return ParsePeriod("daily");
      return {fmt::format("0 */{} * * *", hours), fmt::format("*-*-* 00/{}:00:00", hours)};
    }
  }
  throw InputError(fmt::format("--every '{}': use hourly, daily, weekly or Nh with N dividing 24 (6h, 12h)", every));
}

namespace {

// The sweep's kiln run command line; `launch` is prepended (srun for Slurm).
std::string RunCommand(const ScheduleOptions& o, const std::string& launch, const std::string& hook) {
  std::string cmd = launch + ShellQuote(o.kiln) + " run --quiet --suite " + ShellQuote(o.suite) + " --baseline " +
                    ShellQuote(o.baseline) + " --out \"$out\"";
  if (!o.hosts.empty()) cmd += " --hosts " + ShellQuote(o.hosts);
  if (o.gpus_per_node > 0 && launch.empty()) cmd += fmt::format(" --gpus-per-node {}", o.gpus_per_node);
  if (!o.cluster.empty()) cmd += " --cluster " + ShellQuote(o.cluster);
  if (!o.sign_key.empty()) cmd += " --sign-key " + ShellQuote(o.sign_key);
  if (!o.chain_dir.empty()) cmd += " --chain " + ShellQuote(o.chain_dir);
  if (!o.textfile_dir.empty()) cmd += " --textfile-dir " + ShellQuote(o.textfile_dir);
  if (!hook.empty()) cmd += " --on-fail-node " + ShellQuote(hook);
  return cmd;
}

// The body both kinds share: a folder per sweep, the run, the history.
std::string SweepBody(const ScheduleOptions& o, const std::string& run) {
  std::string body = fmt::format(
      "set -u\n"
      "stamp=$(date -u +%Y%m%dT%H%M%SZ)\n"
      "out={}/\"$stamp\"\n"
      "mkdir -p {}\n"
      "status=0\n"
      "{} || status=$?\n",
      ShellQuote(o.reports_dir), ShellQuote(o.reports_dir), run);
  if (!o.history_db.empty()) {
    body += fmt::format(
        "# Into the history even when nodes failed (exit 1); a run that wrote no report (2, 3) has nothing to add.\n"
        "if [ -f \"$out/report.json\" ]; then\n"
        "  {} history --db {} --add \"$out/report.json\" || status=3\n"
        "fi\n",
        ShellQuote(o.kiln), ShellQuote(o.history_db));
  }
  body += "exit \"$status\"\n";
  return body;
}

}  // namespace

void RequirePlainPath(const std::string& path, const char* option) {
  bool plain = !path.empty() && path.front() == '/';
  for (char c : path) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                      c == '.' || c == '_' || c == '-' || c == '+');
  }
  if (!plain) {
    throw InputError(fmt::format("{} '{}' must be an absolute path of letters, digits and / . _ - + only", option, path));
  }
}

namespace {

void RequireWord(const std::string& value, const char* option) {
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == ',' || c == ':' || c == '.';
    if (!ok) throw InputError(fmt::format("{} '{}' may hold letters, digits and _ - , : . only", option, value));
  }
}

// Values that reach a script or a unit file quoted: one line, no control characters (a newline in a unit file
// would start a directive of its own, run as root when the timer fires), and UTF-8 (systemd refuses a unit file
// that is not: the timer would never run, while kiln said it wrote it).
void RequireOneLine(const std::string& value, const char* option) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw InputError(fmt::format("{} must be one line without control characters: {:?}", option, value));
    }
  }
  if (!IsValidUtf8(value)) {
    throw InputError(fmt::format("{} '{}' is not UTF-8 text: systemd refuses such a unit", option, Printable(value)));
  }
}

// The sweep runs from a unit or a batch job whose working folder is '/' (or the Slurm job's): a relative path
// would name another file there. `kiln schedule` makes them absolute against its own folder before this check.
void RequireAbsolute(const std::string& path, const char* option) {
  if (!path.empty() && path.front() != '/') {
    throw InputError(fmt::format("{} '{}' must be an absolute path: the sweep does not run in this folder", option,
                                 Printable(path)));
  }
}

void Validate(const ScheduleOptions& o) {
  if (o.kind != "slurm" && o.kind != "systemd") {
    throw InputError(fmt::format("--kind '{}': use slurm or systemd", o.kind));
  }
  RequirePlainPath(o.out_dir, "--out");
  RequirePlainPath(o.kiln, "--kiln");
  RequirePlainPath(o.reports_dir, "--reports");
  RequireWord(o.partition, "--partition");
  RequireWord(o.time_limit, "--time");
  RequireWord(o.srun_mpi, "--srun-mpi");
  for (const auto& [value, option] : {std::pair{&o.hosts, "--hosts"}, {&o.cluster, "--cluster"}, {&o.suite, "--suite"},
                                      {&o.baseline, "--baseline"}, {&o.sign_key, "--sign-key"},
                                      {&o.chain_dir, "--chain"}, {&o.history_db, "--history"},
                                      {&o.on_fail_node, "--on-fail-node"}, {&o.every, "--every"},
                                      {&o.textfile_dir, "--textfile-dir"}}) {
    RequireOneLine(*value, option);
  }
  for (const auto& [value, option] : {std::pair{&o.hosts, "--hosts"}, {&o.sign_key, "--sign-key"},
                                      {&o.chain_dir, "--chain"}, {&o.history_db, "--history"},
                                      {&o.textfile_dir, "--textfile-dir"}}) {
    RequireAbsolute(*value, option);
  }
  // A suite, baseline or hook given as a path (not a name looked up in the data folders or PATH).
  for (const auto& [value, option] : {std::pair{&o.suite, "--suite"}, {&o.baseline, "--baseline"}}) {
    if (IsDataFilePath(*value)) RequireAbsolute(*value, option);
  }
  if (o.on_fail_node.find('/') != std::string::npos) RequireAbsolute(o.on_fail_node, "--on-fail-node");
  if (o.gpus_per_node < 0) throw InputError(fmt::format("--gpus-per-node {}: give a positive number", o.gpus_per_node));
  if (o.nodes < 0) throw InputError(fmt::format("--nodes {}: give a positive number of nodes, or leave it out", o.nodes));
  if (o.drain && !o.on_fail_node.empty()) throw InputError("--drain and --on-fail-node both name the hook: pick one");
  if (o.drain && o.kind != "slurm") throw InputError("--drain drains nodes in Slurm: use it with --kind slurm");
}

// A value in a unit file's text (Description=): systemd expands % specifiers there, so a literal % is %%.
std::string UnitText(const std::string& value) {
  std::string text;
  for (char c : value) text += c == '%' ? std::string("%%") : std::string(1, c);
  return text;
}

std::string DrainHookScript(const std::string& generated) {
  return "#!/bin/sh\n"
         "# " + generated + "\n"
         "# kiln run --on-fail-node calls this once per failing node: $1 = node, $2 = reason. It drains the node in\n"
         "# Slurm. Both are arguments, never parsed by a shell; a name that is not a plain hostname is refused.\n"
         "set -eu\n"
         "node=$1\n"
         "reason=$2\n"
         "case $node in\n"
         "  ''|-*|*[!A-Za-z0-9._-]*) echo \"kiln-drain-node: refusing node name '$node'\" >&2; exit 2 ;;\n"
         "esac\n"
         "exec scontrol update NodeName=\"$node\" State=DRAIN Reason=\"kiln: $reason\"\n";
}

void AddSystemdFiles(const ScheduleOptions& o, const Period& period, const std::string& generated,
                     const std::string& hook, std::map<std::string, std::string>& files) {
  std::string script = o.out_dir + "/kiln-sweep.sh";
  files["kiln-sweep.sh"] = "#!/bin/sh\n# " + generated + " One Kiln health sweep (systemd: kiln-sweep.service).\n" +
                           SweepBody(o, RunCommand(o, "", hook));
  files["kiln-sweep.service"] = fmt::format(
      "# {}\n"
      "[Unit]\n"
      "Description=Kiln health sweep ({} on {})\n"
      "Wants=network-online.target\n"
      "After=network-online.target\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "ExecStart={}\n"
      "# Exit 1: the sweep found failing nodes (the unit shows failed, so monitoring sees it).\n"
      "TimeoutStartSec=6h\n"
      "Nice=5\n",
      generated, UnitText(o.suite), o.hosts.empty() ? "this machine" : UnitText(o.hosts), script);
  files["kiln-sweep.timer"] = fmt::format(
      "# {}\n"
      "[Unit]\n"
      "Description=Kiln health sweep, {}\n"
      "\n"
      "[Timer]\n"
      "OnCalendar={}\n"
      "Persistent=true\n"
      "RandomizedDelaySec=10min\n"
      "Unit=kiln-sweep.service\n"
      "\n"
      "[Install]\n"
      "WantedBy=timers.target\n",
      generated, o.every, period.on_calendar);
}

// One task per GPU, each bound to its GPU; one task per node without GPUs.
std::string SlurmTasks(const ScheduleOptions& o, const std::string& prefix) {
  if (o.gpus_per_node <= 0) return prefix + "--ntasks-per-node=1\n";
  return fmt::format("{0}--ntasks-per-node={1}\n{0}--gpus-per-task=1\n", prefix, o.gpus_per_node);
}

void AddSlurmFiles(const ScheduleOptions& o, const Period& period, const std::string& generated,
                   const std::string& hook, std::map<std::string, std::string>& files) {
  std::string sbatch = "#!/bin/sh\n";
  sbatch += "#SBATCH --job-name=kiln-sweep\n";
  if (o.nodes > 0) sbatch += fmt::format("#SBATCH --nodes={}\n", o.nodes);
  if (!o.partition.empty()) sbatch += "#SBATCH --partition=" + o.partition + "\n";
  sbatch += SlurmTasks(o, "#SBATCH ") + "#SBATCH --exclusive\n";
  sbatch += "#SBATCH --time=" + o.time_limit + "\n";
  sbatch += "#SBATCH --output=" + o.reports_dir + "/kiln-sweep-%j.log\n";
  sbatch += "# " + generated + (o.gpus_per_node > 0 ? " One Kiln health sweep over the job's nodes, one rank per GPU.\n"
                                                     : " One Kiln health sweep over the job's nodes, one rank per node.\n");
  std::string tasks = o.gpus_per_node > 0 ? fmt::format("--ntasks-per-node={} --gpus-per-task=1 ", o.gpus_per_node)
                                          : "--ntasks-per-node=1 ";
  sbatch += SweepBody(o, RunCommand(o, "srun --mpi=" + o.srun_mpi + " " + tasks, hook));
  files["kiln-sweep.sbatch"] = sbatch;
  std::string scron = "# " + generated + " Install with: scrontab " + o.out_dir + "/kiln-sweep.scrontab\n";
  scron += "#SCRON --job-name=kiln-sweep\n";
  if (o.nodes > 0) scron += fmt::format("#SCRON --nodes={}\n", o.nodes);
  if (!o.partition.empty()) scron += "#SCRON --partition=" + o.partition + "\n";
  scron += SlurmTasks(o, "#SCRON ") + "#SCRON --exclusive\n#SCRON --time=" + o.time_limit + "\n";
  scron += period.cron + " " + o.out_dir + "/kiln-sweep.sbatch\n";
  files["kiln-sweep.scrontab"] = scron;
}

}  // namespace

std::map<std::string, std::string> MakeScheduleFiles(const ScheduleOptions& o) {
  Validate(o);
  Period period = ParsePeriod(o.every);
  std::string generated = fmt::format("Generated by kiln schedule on {}.", UtcNow());
  std::map<std::string, std::string> files;
  std::string hook = o.on_fail_node;
  if (o.drain) {
    hook = o.out_dir + "/kiln-drain-node.sh";
    files["kiln-drain-node.sh"] = DrainHookScript(generated);
  }
  if (o.kind == "systemd") {
    AddSystemdFiles(o, period, generated, hook, files);
  } else {
    AddSlurmFiles(o, period, generated, hook, files);
  }
  return files;
}

}  // namespace kiln
