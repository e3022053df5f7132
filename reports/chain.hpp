#pragma once
// A cluster's reports form a chain: each names the SHA-256 of the one before, so a report that is missing or
// altered breaks the chain where it was. Files in the chain folder: NNNNNN-CLUSTER.json (+ .minisig).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "reports/signing.hpp"

namespace kiln {

// SHA-256 of the last report in `dir`, or null when the chain is empty (or the folder does not exist yet).
nlohmann::json LastReportHash(const std::string& dir);

// Adds `content` (a report whose previous_report_sha256 is LastReportHash(dir)) as the next file, with its
// signature when `signature` is not empty. Throws RunError naming the file on failure.
void AppendToChain(const std::string& dir, const nlohmann::json& report, const std::string& content,
                   const std::string& signature);

struct ChainCheck {
  bool ok = false;
  int reports = 0;
  std::string problem;             // the first break, naming the file
  std::vector<std::string> lines;  // one per report: file, verdict, time
};
// Checks every report's signature with `public_key`, the sequence numbers (none missing) and each link.
ChainCheck VerifyChain(const std::string& dir, const KeyPair& public_key);

}  // namespace kiln
