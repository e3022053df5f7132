// `kiln evaluate REPORT.json --baseline B --out DIR`: judge a report's measurements again against another
// baseline (or a fixed one), without running anything; a full new bundle that names its source by SHA-256.

#include <fmt/format.h>

#include <filesystem>

#include "apps/command.hpp"
#include "apps/data_files.hpp"
#include "apps/run_epilogue.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/node_identity.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "reports/signing.hpp"

namespace kiln {
namespace {

struct EvaluateArgs {
  std::string report;
  std::string baseline = "auto";
  std::string shape;
  std::string out;
  std::string sign_key;
  std::string chain;
  bool force = false;
};

// Verdicts that are not a judgement of measurements (a host that never joined, an interrupted run, a
// bisection's findings, a burn-in's tally) stay as the run gave them.
bool KeptAsIs(const Verdict& v, const ProbeRegistry& registry) {
  if (v.probe == "baseline" || v.probe == "shape" || v.probe == kNodeIdentityProbe) return false;
  return registry.Find(v.probe) == nullptr;
}

int Evaluate(const EvaluateArgs& args) {
  ProbeRegistry registry = ProbeRegistry::Default();
  BaselineChoice choice = ChooseBaseline(args.baseline, args.shape, registry.AllMetrics());
  std::optional<KeyPair> key;
  if (!args.sign_key.empty()) key = LoadSecretKey(args.sign_key);
  RequireOutFolder(args.out);
  RequireSignedChain(args.chain, args.sign_key);
  std::string content = ReadFile(args.report);
  std::error_code error;
  if (std::filesystem::equivalent(args.report, args.out + "/report.json", error)) {
    throw InputError(fmt::format("--out {}: the new report would overwrite the one it judges ({}); choose another "
                                 "folder", args.out, args.report));
  }
  nlohmann::json source = LoadReport(args.report);
  RunRecord record = RecordFromReport(source, args.report);
  std::vector<Verdict> kept;
  for (const Verdict& v : record.verdicts) {
    if (KeptAsIs(v, registry)) kept.push_back(v);
  }
  std::vector<Verdict> verdicts;
  try {
    verdicts = JudgeRecord(record, choice, registry.Catalog());
  } catch (const nlohmann::json::exception& e) {
    // An inventory of the wrong shape is the report's fault, not Kiln's: bad input naming the file.
    throw InputError(args.report, 0, fmt::format("malformed report: {}", e.what()));
  }
  verdicts.insert(verdicts.end(), kept.begin(), kept.end());
  record.verdicts = std::move(verdicts);

  nlohmann::json report = BuildReport(record);
  for (const char* section : {"bisection", "burnin"}) {
    if (source.contains(section)) report[section] = source[section];
  }
  report["run"]["simulated"] = source.at("run").value("simulated", false);
  report["evaluated_from"] = {{"path", args.report},
                              {"sha256", Sha256Hex(content)},
                              {"run_id", record.run_id},
                              {"baseline_sku", source.at("baseline").value("sku", "")},
                              {"baseline_sha256", source.at("baseline").value("sha256", "")},
                              {"evaluated", UtcNow()}};
  // Like `kiln run`: another run's report, signature or journal in --out is never replaced without --force.
  OutFolderClaim claim = ClaimOutFolder(args.out, args.force);
  if (!claim.aside.empty()) fmt::print(stderr, "kiln: --force: the earlier run's files are now in {}\n", claim.aside);
  WrittenBundle written = WriteReportBundle(std::move(report), {args.out, key, args.chain});
  return FinishRun(written.summary, written.report_path, written.exit_code,
                   {"", "", fmt::format(" (measurements of {}, judged again)", args.report)});
}

}  // namespace

Command AddEvaluateCommand(CLI::App& app) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* evaluate = app.add_subcommand("evaluate", "judge an existing report's measurements again, running nothing");
  evaluate->add_option("report", args->report, "report.json to judge again")->required();
  evaluate->add_option("--baseline", args->baseline, "auto, a SKU name or a baseline file")->capture_default_str();
  evaluate->add_option("--shape", args->shape, "node shape of the baseline (default: detected or the baseline's)");
  evaluate->add_option("--out", args->out, "folder for the new report bundle")->required();
  evaluate->add_option("--sign-key", args->sign_key, "secret key file: sign the new report.json");
  evaluate->add_flag("--force", args->force,
                     "--out holds another run's files: move them aside into --out/previous-<time>/");
  evaluate->add_option("--chain", args->chain, "folder of this cluster's signed reports: link the new one to the last");
  return {evaluate, [args] { return Evaluate(*args); }};
}

}  // namespace kiln
