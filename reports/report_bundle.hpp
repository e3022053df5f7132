#pragma once
// Writes a finished report and everything rendered from it into the output folder: report.json (signed
// when a key is given, linked into a chain when one is named), report.html, junit.xml, metrics.prom.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

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

// A new run into `out_dir`: refuses (InputError, exit 2) when the folder holds an earlier run's report unless
// `force`, which moves everything in the folder (but earlier previous-* folders) into out_dir/previous-<UTC time>/
// and returns that folder's path ("" when there was no report). So a new report never sits next to an old
// signature, journal or trial.
std::string ClaimOutFolder(const std::string& out_dir, bool force);

// Every write is atomic. Throws RunError naming the file that could not be written.
WrittenBundle WriteReportBundle(nlohmann::json report, const BundleOptions& options);

}  // namespace kiln
