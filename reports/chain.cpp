#include "reports/chain.hpp"

#include "reports/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace kiln {
namespace {

// Numbers run 000001 to kMaxSequence; wider numbers (a planted 999999 is followed by 1000000) are read too, so no
// report is ever numbered where the reader would not see it.
constexpr long long kMaxSequence = 999'999'999;

struct ChainFile {
  long long sequence = 0;
  std::string path;
};

// The reports of the chain in order of their sequence number (then name: two of one number are a fork).
std::vector<ChainFile> ChainFiles(const std::string& dir) {
  static const std::regex kName(R"((\d{6,})-[^/]*\.json)");
  std::vector<ChainFile> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, kName)) continue;
    std::string digits = match[1].str();
    long long sequence = digits.size() > 12 ? kMaxSequence + 1 : std::stoll(digits);
    files.push_back({sequence, entry.path().string()});
  }
  std::sort(files.begin(), files.end(), [](const ChainFile& a, const ChainFile& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.path < b.path;
  });
  return files;
}

std::string SafeName(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return text.empty() ? "cluster" : text.substr(0, 64);
}

}  // namespace

nlohmann::json LastReportHash(const std::string& dir) {
  std::vector<ChainFile> files = ChainFiles(dir);
  if (files.empty()) return nullptr;
  return Sha256Hex(ReadRegularFile(files.back().path));
}

FileLock LockChain(const std::string& dir) {
  MakeDirectories(dir);
  return FileLock::Wait(dir + "/chain.lock");
}

void AppendToChain(const std::string& dir, const nlohmann::json& report, const std::string& content,
                   const std::string& signature) {
  MakeDirectories(dir);
  std::vector<ChainFile> files = ChainFiles(dir);
  long long next = files.empty() ? 1 : files.back().sequence + 1;
  if (next > kMaxSequence) {
    throw RunError(fmt::format("the chain in '{}' holds {} (a number past {}): not a chain Kiln wrote; check the "
                               "folder", dir, files.back().path, kMaxSequence));
  }
  std::string path = fmt::format("{}/{:06d}-{}.json", dir, next, SafeName(report.at("cluster").value("name", "")));
  // Created, never replaced: a report already at that number stays as it is.
  CreateFileExclusively(path, content, 0644);
  if (!signature.empty()) CreateFileExclusively(path + ".minisig", signature, 0644);
}

ChainCheck VerifyChain(const std::string& dir, const KeyPair& public_key, const std::string& recorded_head) {
  ChainCheck check;
  if (!std::filesystem::is_directory(dir)) {
    check.problem = fmt::format("'{}' is not a folder", dir);
    return check;
  }
  std::vector<ChainFile> files = ChainFiles(dir);
  if (files.empty()) {
    check.problem = fmt::format("no reports (NNNNNN-CLUSTER.json) in '{}'", dir);
    return check;
  }
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].sequence == files[i - 1].sequence) {
      check.problem = fmt::format("fork: two reports are numbered {:06d}: {} and {}", files[i].sequence,
                                  files[i - 1].path, files[i].path);
      return check;
    }
  }
  bool head_seen = recorded_head.empty();
  std::string previous_hash;
  long long previous_sequence = 0;  // a chain starts at 000001: a missing first report is a gap too
  for (const ChainFile& file : files) {
    if (file.sequence != previous_sequence + 1) {
      check.problem = fmt::format("report number {:06d} is missing (next present: {})", previous_sequence + 1,
                                  file.path);
      return check;
    }
    std::string content = ReadRegularFile(file.path);
    std::string signature_path = file.path + ".minisig";
    if (!std::filesystem::exists(signature_path)) {
      check.problem = fmt::format("{} is not signed (no {})", file.path, signature_path);
      return check;
    }
    VerifyResult signed_ok = VerifyReportSignature(public_key, content, ReadRegularFile(signature_path));
    if (!signed_ok.ok) {
      check.problem = fmt::format("{}: {}", file.path, signed_ok.message);
      return check;
    }
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(content);
    } catch (const nlohmann::json::exception& e) {
      check.problem = fmt::format("{}: not valid JSON: {}", file.path, e.what());
      return check;
    }
    const nlohmann::json& link = report.value("previous_report_sha256", nlohmann::json());
    bool first = file.sequence == 1;
    if (first && !link.is_null()) {
      check.problem = fmt::format("{} is numbered first but names a previous report {}", file.path, link.dump());
      return check;
    }
    if (!first && (!link.is_string() || link.get<std::string>() != previous_hash)) {
      check.problem = fmt::format("{} names previous report {} but the report before it hashes to {}: it was altered "
                                  "or replaced", file.path, link.is_string() ? link.get<std::string>() : "none",
                                  previous_hash);
      return check;
    }
    check.lines.push_back(fmt::format("{}  {}  {}  signed and linked", file.path,
                                      report.at("summary").value("outcome", "?"), report.at("run").value("finished", "")));
    previous_hash = Sha256Hex(content);
    previous_sequence = file.sequence;
    ++check.reports;
    check.head = fmt::format("{} (sha256 {})", file.path, previous_hash);
    head_seen = head_seen || previous_hash == recorded_head;
  }
  if (!head_seen) {
    check.problem = fmt::format("the recorded head {} is not in the chain (its newest report is {}): reports were "
                                "deleted or the chain replaced", recorded_head, check.head);
    return check;
  }
  check.ok = true;
  return check;
}

}  // namespace kiln
