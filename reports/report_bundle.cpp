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
  written.exit_code = report["summary"]["exit_code"].get<int>();
  return written;
}

}  // namespace kiln
