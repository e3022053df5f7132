#pragma once
// Writes a finished report and everything rendered from it into the output folder: report.json (signed
// when a key is given, linked into a chain when one is named), report.html, junit.xml, metrics.prom.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/file_lock.hpp"
#include "reports/signing.hpp"

namespace kiln {

struct BundleOptions {
  std::string out_dir;
  std::optional<KeyPair> sign_key;
  std::string chain_dir;  // when set: link to the last report there, then add this one
};

struct WrittenBundle {
  std::string report_path;
  std::string summary;  // the terminal summary
  int exit_code = 0;    // from the report's summary
};

// Where a run's files go, held for the whole run: the lock on OUT/kiln.lock, and where --force moved an earlier
// run's files ("" when nothing was moved).
struct OutFolderClaim {
  FileLock lock;
  std::string aside;
};

// Makes `out_dir` and locks it for this run: when another kiln holds it, InputError (exit 2) naming that run's pid,
// host and start. Then a new run (`resume` false) refuses a folder holding anything of an earlier run (its report,
// signature, renderings, journal, burn-in or bisection, also a killed run's journal without a report) unless
// `force`, which moves everything in the folder (but the lock and earlier previous-* folders) into
// out_dir/previous-<UTC time>/. So a new report never sits next to an old signature, journal or trial, and two
// runs never write one folder at once.
OutFolderClaim ClaimOutFolder(const std::string& out_dir, bool force, bool resume = false);

// The lock of ClaimOutFolder alone, for a process that adds to a run's own folder (the bisection after `kiln run
// --bisect`'s run).
FileLock LockOutFolder(const std::string& out_dir);

// Every write is atomic. Throws RunError naming the file that could not be written.
WrittenBundle WriteReportBundle(nlohmann::json report, const BundleOptions& options);

}  // namespace kiln
