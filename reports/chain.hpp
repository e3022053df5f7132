#pragma once
// A cluster's reports form a chain: each names the SHA-256 of the one before, so a report that is missing or
// altered breaks the chain where it was. Files in the chain folder: NNNNNN-CLUSTER.json (+ .minisig).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/file_lock.hpp"
#include "reports/signing.hpp"

namespace kiln {

// SHA-256 of the last report in `dir`, or null when the chain is empty (or the folder does not exist yet).
nlohmann::json LastReportHash(const std::string& dir);

// Waits for the chain's lock (DIR/chain.lock, the folder made if needed): hold it from LastReportHash until
// AppendToChain, so that concurrent appends are serialised and never link two reports to one predecessor.
FileLock LockChain(const std::string& dir);

// Adds `content` (a report whose previous_report_sha256 is LastReportHash(dir)) as the next file, with its
// signature when `signature` is not empty. Never replaces a file; numbers past 999999 get more digits (the reader
// reads them). Throws RunError naming the file on failure.
void AppendToChain(const std::string& dir, const nlohmann::json& report, const std::string& content,
                   const std::string& signature);

struct ChainCheck {
  bool ok = false;
  int reports = 0;
  std::string problem;             // the first break, naming the file
  std::vector<std::string> lines;  // one per report: file, verdict, time
  std::string head;                // the newest report checked and its SHA-256: record it elsewhere, since
                                   // deleting the newest reports leaves a shorter chain that still verifies
};
// Checks every report's signature with `public_key`, the sequence numbers (none missing, none twice: a fork) and
// each link; with `recorded_head` (a SHA-256 printed as the head by an earlier check), also that this report is
// still in the chain: deleting the newest reports is seen only that way.
ChainCheck VerifyChain(const std::string& dir, const KeyPair& public_key, const std::string& recorded_head = "");

}  // namespace kiln
