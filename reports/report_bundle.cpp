#include "reports/report_bundle.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/chain.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/terminal_summary.hpp"

namespace kiln {

WrittenBundle WriteReportBundle(nlohmann::json report, const BundleOptions& options) {
  WrittenBundle written;
  written.report_path = options.out_dir + "/report.json";
  if (options.sign_key) {
    report["signature"] = {{"signed", true},
                           {"key_id", KeyIdHex(options.sign_key->key_id)},
                           {"file", "report.json.minisig"},
                           {"format", "minisign (Ed25519, prehashed)"}};
  }
  // Held from reading the chain's last report until this one is added: two runs appending at once would both link
  // to the same predecessor and break the chain for good.
  FileLock chain_lock;
  if (!options.chain_dir.empty()) {
    chain_lock = LockChain(options.chain_dir);
    report["previous_report_sha256"] = LastReportHash(options.chain_dir);
  }
  std::string content = report.dump(2) + "\n";
  std::string signature;
  const std::string signature_path = written.report_path + ".minisig";
  if (options.sign_key) {
    // The signature is on disk before the report that says it is signed; if the signature cannot be written
    // (a full disk), the report is written unsigned, saying why, and the run fails: nothing claims a signature
    // that is not there, and no measurement is lost.
    signature = SignatureFileText(*options.sign_key, content, ReportIdentity(report, content));
    try {
      WriteFileAtomically(signature_path, signature);
    } catch (const KilnError& e) {
      report["signature"] = {{"signed", false}, {"note", fmt::format("signing failed: {}", e.what())}};
      WriteFileAtomically(written.report_path, report.dump(2) + "\n");
      throw RunError(fmt::format("report written unsigned to {}: {}", written.report_path, e.what()));
    }
  } else {
    // A signature left by an earlier run into the same folder would make this report look altered.
    std::error_code ignored;
    std::filesystem::remove(signature_path, ignored);
  }
  WriteFileAtomically(written.report_path, content);
  // What people, CI and monitoring read, all rendered from the canonical report.
  WriteFileAtomically(options.out_dir + "/report.html", RenderHtml(report));
  WriteFileAtomically(options.out_dir + "/junit.xml", RenderJunit(report));
  WriteFileAtomically(options.out_dir + "/metrics.prom", RenderPrometheus(report));
  if (!options.chain_dir.empty()) AppendToChain(options.chain_dir, report, content, signature);
  written.summary = RenderTerminalSummary(report);
  written.summary += fmt::format("kiln: for people: {}/report.html; for CI: {}/junit.xml; for monitoring: {}/metrics.prom\n",
                                 options.out_dir, options.out_dir, options.out_dir);
  if (options.sign_key) written.summary += fmt::format("kiln: signature: {}\n", signature_path);
  written.exit_code = report["summary"]["exit_code"].get<int>();
  return written;
}

namespace {

constexpr char kLockName[] = "kiln.lock";

// What a Kiln run leaves in its --out: a folder holding any of these holds another run, finished or killed. Its
// files count when they are not folders (a folder at report.json.minisig is no run's signature).
bool IsRunEntry(const std::filesystem::directory_entry& entry) {
  std::string name = entry.path().filename().string();
  std::error_code error;
  bool folder = entry.symlink_status(error).type() == std::filesystem::file_type::directory;
  for (const char* file : {"report.json", "report.json.minisig", "report.html", "junit.xml", "metrics.prom"}) {
    if (name == file) return !folder;
  }
  for (const char* kept : {"journal", "burnin", "trials"}) {
    if (name == kept) return true;
  }
  return name.rfind("bisect-", 0) == 0;
}

std::string EarlierRunEntry(const std::string& out_dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  // Named by what tells the operator most: a burn-in (resume it), a report, or what a killed run left.
  auto rank = [](const std::string& name) { return name == "burnin" ? 0 : name == "report.json" ? 1 : 2; };
  std::string found;
  for (const fs::directory_entry& entry : fs::directory_iterator(out_dir, error)) {
    std::string name = entry.path().filename().string();
    if (IsRunEntry(entry) && (found.empty() || rank(name) < rank(found))) found = name;
  }
  if (error) throw RunError(fmt::format("cannot list '{}': {}", out_dir, error.message()));
  return found;
}

// Moves everything of the earlier run (but the lock and earlier previous-* folders) into out_dir/previous-<time>/.
std::string MoveAside(const std::string& out_dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::string stamp = UtcNow();
  std::erase_if(stamp, [](char c) { return c == ':' || c == '-'; });  // 20261126T071034Z
  fs::path aside = fs::path(out_dir) / ("previous-" + stamp);
  for (int n = 2; fs::exists(fs::symlink_status(aside, error)); ++n) {
    aside = fs::path(out_dir) / fmt::format("previous-{}-{}", stamp, n);
  }
  std::vector<fs::path> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(out_dir, error)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("previous-", 0) != 0 && name != kLockName) names.push_back(entry.path().filename());
  }
  if (error) throw RunError(fmt::format("cannot list '{}': {}", out_dir, error.message()));
  fs::create_directory(aside, error);
  if (error) throw RunError(fmt::format("cannot create '{}': {}", aside.string(), error.message()));
  for (const fs::path& name : names) {
    fs::rename(fs::path(out_dir) / name, aside / name, error);
    if (error) {
      throw RunError(fmt::format("cannot move '{}' aside into '{}': {}", (fs::path(out_dir) / name).string(),
                                 aside.string(), error.message()));
    }
  }
  return aside.string();
}

}  // namespace

FileLock LockOutFolder(const std::string& out_dir) {
  MakeDirectories(out_dir);
  std::string holder;
  std::optional<FileLock> lock = FileLock::Try(out_dir + "/" + kLockName, holder);
  if (!lock) {
    throw InputError(fmt::format("'{}' is in use by another kiln run ({}; lock {}/{}): wait for it to end, or choose "
                                 "another --out", out_dir, holder, out_dir, kLockName));
  }
  lock->DescribeHolder();
  return std::move(*lock);
}

OutFolderClaim ClaimOutFolder(const std::string& out_dir, bool force, bool resume) {
  OutFolderClaim claim;
  claim.lock = LockOutFolder(out_dir);
  if (resume) return claim;  // the burn-in's checkpoint decides what a resumed run may continue
  std::string earlier = EarlierRunEntry(out_dir);
  if (earlier.empty()) return claim;
  if (!force) {
    if (earlier == "burnin") {
      throw InputError(fmt::format("{} already holds a burn-in: continue it with --resume, choose another --out, or "
                                   "pass --force to move it aside into '{}/previous-<time>/'",
                                   out_dir, out_dir));
    }
    if (earlier != "report.json") {
      throw InputError(fmt::format("'{}' holds files of an earlier run that did not finish ({}, no report.json): "
                                   "choose another --out, or pass --force to move them aside into "
                                   "'{}/previous-<time>/'", out_dir, earlier, out_dir));
    }
    throw InputError(fmt::format("'{}' holds the report of an earlier run (report.json): choose another --out, or pass "
                                 "--force to move that run aside into '{}/previous-<time>/'",
                                 out_dir, out_dir));
  }
  claim.aside = MoveAside(out_dir);
  return claim;
}

}  // namespace kiln
