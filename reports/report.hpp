#pragma once
// The canonical report (schema kiln.report/1, docs/report-schema.md). Renderers read only this JSON.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/coverage.hpp"
#include "reports/run_outcome.hpp"
#include "reports/run_record.hpp"
#include "reports/signing.hpp"

namespace kiln {

inline constexpr const char* kReportSchema = "kiln.report/1";

nlohmann::json BuildReport(const RunRecord& record);

// A record begun now: this Kiln's version, a fresh run id, the start time. Every run and bisection starts so.
RunRecord StartRecord();

// The error verdict of a run or bisection cut short (a signal): `what` is "run" or "bisect"; nothing it found so
// far is lost, and this says why the rest is missing.
Verdict InterruptedVerdict(const std::string& what, const Subject& subject, std::string reason);

// The report's "summary" for these verdicts: outcome, exit code, headline, coverage, counts, failing subjects.
// Always computed from the verdicts; renderers recompute it rather than trust a stored one.
nlohmann::json BuildSummary(const std::vector<Verdict>& verdicts, const std::string& suite = "");

// The summary of a stored report, recomputed from its verdicts (renderers show this, never the stored one).
nlohmann::json SummaryOf(const nlohmann::json& report);

// The verdict of the whole run from its verdicts (reports/run_outcome.hpp), with the process exit code it maps to.
struct RunSummary {
  RunOutcome outcome = RunOutcome::kPass;
  bool accepted = false;
  int exit_code = 0;
  std::string note;
  Coverage coverage;
};
RunSummary SummarizeOutcome(const std::vector<Verdict>& verdicts);

// One line for people: "ACCEPTED: acceptance, 25 of 25 acceptance rules judged", "PASSED: quick check, 17 of
// 25 acceptance rules judged; not an acceptance", "NOT ACCEPTED: failures, 25 of 25 acceptance rules judged".
std::string Headline(const RunSummary& summary, const std::string& suite);

// The record a report was built from, read back (kiln evaluate): run, cluster, nodes and inventories, suite,
// steps, measurements and verdicts. Throws InputError naming `path` when a field is missing or malformed.
RunRecord RecordFromReport(const nlohmann::json& report, const std::string& path);

// Reads and checks a report file (schema name and required fields); throws InputError naming it.
nlohmann::json LoadReport(const std::string& path);

// The trusted comment a signature of `content` (a report's bytes) carries: the report's identity, one line.
// "kiln-report cluster=c1 suite=quick finished=2026-11-23T09:00:00Z sha256=..."
std::string ReportIdentity(const nlohmann::json& report, const std::string& content);

// The signature policy of a report: the .minisig must verify over `content` AND its trusted comment must carry
// this report's own SHA-256 (a good signature of another report, renamed, is refused). `kiln verify` and the
// chain check both judge by it.
VerifyResult VerifyReportSignature(const KeyPair& public_key, const std::string& content,
                                   const std::string& signature_text);

// Current time as ISO 8601 UTC with seconds: 2026-11-23T09:15:02Z.
std::string UtcNow();
// Seconds since 1970 of a time written as UtcNow writes it ("2026-11-26T07:06:43Z", read from its start);
// nullopt when the text does not begin with one.
std::optional<double> UtcSeconds(const std::string& text);

// 16 random hex digits: a run's id.
std::string RandomRunId();

}  // namespace kiln
