#pragma once
// `kiln schedule`: the files a site needs to run health sweeps on its own: a sweep script, and either a
// Slurm batch script with a scrontab entry, or a systemd service and timer; optionally a hook that drains
// each failing node in Slurm. Every value the user gives is shell-quoted where it lands in a script.

#include <map>
#include <string>

namespace kiln {

struct ScheduleOptions {
  std::string kind;            // slurm | systemd
  std::string every = "daily"; // hourly | daily | weekly | Nh (N dividing 24)
  std::string out_dir;         // where the files go (absolute paths are written into them)
  std::string kiln;            // the kiln binary to run
  std::string suite = "quick";
  std::string baseline = "auto";
  std::string hosts;           // systemd: hostfile for the controller; empty = this machine
  std::string reports_dir;     // each sweep's folder goes here: REPORTS/<UTC time>
  std::string history_db;      // every report is added here
  std::string sign_key;
  std::string chain_dir;
  std::string cluster;
  std::string textfile_dir;    // kiln run --textfile-dir: node_exporter's textfile folder
  std::string on_fail_node;    // a program run per failing node (NODE REASON)
  bool drain = false;          // write kiln-drain-node.sh and use it as the hook
  int nodes = 0;               // slurm: nodes per sweep (0 = the partition's)
  int gpus_per_node = 0;       // ranks per node, one GPU each; 0: one rank per node (slurm), the GPUs the
                               // sweep's machine has (systemd: kiln run counts them)
  std::string partition;
  std::string time_limit = "01:00:00";
  std::string srun_mpi = "pmix";
};

// File name -> content. Throws InputError for an unknown kind or period, a missing required value, a value that is
// not one line of UTF-8 text, or a relative path (the units run in '/': make paths absolute first).
std::map<std::string, std::string> MakeScheduleFiles(const ScheduleOptions& options);

// Whether a --suite or --baseline value names a file (it holds a '/' or ends in .xml) rather than a name that
// kiln run looks up in its data folders. (A bare file name that exists in the current folder is a file too: the
// command makes it absolute first.)
bool IsDataFilePath(const std::string& name_or_path);

// Paths that land in unit files, #SBATCH lines and crontabs, where quoting rules differ (systemd expands % and $,
// cron %, Slurm %j): an absolute path of characters that mean nothing to any of them, else InputError naming `option`.
void RequirePlainPath(const std::string& path, const char* option);

// 'text' for sh, with every ' written as '\''.
std::string ShellQuote(const std::string& text);

// "daily" -> cron "0 3 * * *" and systemd OnCalendar "*-*-* 03:00:00".
struct Period {
  std::string cron;
  std::string on_calendar;
};
Period ParsePeriod(const std::string& every);

}  // namespace kiln
