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
  if (!options.chain_dir.empty()) report["previous_report_sha256"] = LastReportHash(options.chain_dir);
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

std::string ClaimOutFolder(const std::string& out_dir, bool force) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(fs::path(out_dir) / "report.json", error)) return "";
  if (!force) {
    if (fs::exists(fs::path(out_dir) / "burnin", error)) {
      throw InputError(fmt::format("{} already holds a burn-in: continue it with --resume, choose another --out, or "
                                   "pass --force to move it aside into '{}/previous-<time>/'",
                                   out_dir, out_dir));
    }
    throw InputError(fmt::format("'{}' holds the report of an earlier run (report.json): choose another --out, or pass "
                                 "--force to move that run aside into '{}/previous-<time>/'",
                                 out_dir, out_dir));
  }
  std::string stamp = UtcNow();
  std::erase_if(stamp, [](char c) { return c == ':' || c == '-'; });  // 20261126T071034Z
  fs::path aside = fs::path(out_dir) / ("previous-" + stamp);
  for (int n = 2; fs::exists(aside, error); ++n) aside = fs::path(out_dir) / fmt::format("previous-{}-{}", stamp, n);
  // Everything of the earlier run goes, so nothing of it (a signature, a journal, a trial) sits beside the new.
  std::vector<fs::path> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(out_dir, error)) {
    if (entry.path().filename().string().rfind("previous-", 0) != 0) names.push_back(entry.path().filename());
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

}  // namespace kiln
