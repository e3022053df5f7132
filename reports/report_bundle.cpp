#include "reports/report_bundle.hpp"

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
  WriteFileAtomically(written.report_path, content);
  std::string signature;
  if (options.sign_key) {
    signature = SignatureFileText(*options.sign_key, content, ReportIdentity(report, content));
    WriteFileAtomically(written.report_path + ".minisig", signature);
  }
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
