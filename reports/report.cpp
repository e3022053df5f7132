#include "reports/report.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <ctime>
#include <map>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_input.hpp"
#include "reports/report_nodes.hpp"

namespace kiln {

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<double> UtcSeconds(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

RunRecord StartRecord() {
  RunRecord record;
  record.kiln_version = KILN_VERSION;
  record.run_id = RandomRunId();
  record.started = UtcNow();
  return record;
}

Verdict InterruptedVerdict(const std::string& what, const Subject& subject, std::string reason) {
  Verdict v;
  v.probe = what;
  v.subject = subject;
  v.outcome = Outcome::kError;
  v.rule = fmt::format("a {} must finish", what == "bisect" ? "bisection" : what);
  v.reason = std::move(reason);
  return v;
}

std::string RandomRunId() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

RunSummary SummarizeOutcome(const std::vector<Verdict>& verdicts) {
  RunSummary result;
  Outcome worst = Outcome::kPass;
  bool judged = false;
  bool only_inconclusive = true;  // every error is a rule left inconclusive by contention
  for (const Verdict& v : verdicts) {
    worst = Worst(worst, v.outcome);
    judged = judged || IsJudged(v.outcome);
    if (IsFailure(v.outcome) && !v.inconclusive) only_inconclusive = false;
  }
  result.coverage = CoverageOf(verdicts);
  result.exit_code = kExitFailed;  // anything but a clean pass is not one, whatever the reason
  if (!judged) {
    result.outcome = RunOutcome::kSkipped;
    result.note = "nothing was judged: every step was skipped or no rule applied; this run accepts nothing";
    return result;
  }
  if (IsFailure(worst)) {
    result.outcome = only_inconclusive        ? RunOutcome::kInconclusive
                     : worst == Outcome::kFail ? RunOutcome::kFail
                                               : RunOutcome::kError;
    if (only_inconclusive) {
      result.note = "inconclusive: a rule failed on a measurement taken under contention; measure again on a quiet node";
    }
    return result;
  }
  // Nothing failed. ACCEPTED only when every rule an acceptance needs was judged on every node; less than that
  // (a quick sweep, a burn-in iteration, a report missing a step) is a partial pass: exit 0, never "accepted".
  result.exit_code = kExitPassed;
  result.accepted = result.coverage.Complete();
  result.outcome = result.accepted ? RunOutcome::kPass : RunOutcome::kPartial;
  if (!result.accepted) {
    result.note = result.coverage.required == 0
                      ? "no acceptance rule of a baseline was judged; not an acceptance"
                      : fmt::format("{}; not an acceptance", result.coverage.Describe());
  } else if (worst == Outcome::kWarn) {
    result.note = "passed with warnings";
  }
  return result;
}

std::string Headline(const RunSummary& summary, const std::string& suite) {
  std::string covered = summary.coverage.Describe();
  if (summary.accepted) return fmt::format("ACCEPTED: {}, {}", suite.empty() ? "run" : suite, covered);
  switch (summary.outcome) {
    case RunOutcome::kPartial: {
      std::string what = suite.empty() ? "run" : suite + " check";
      if (summary.coverage.required == 0) {
        return fmt::format("PASSED: {}, no acceptance rule judged; not an acceptance", what);
      }
      return fmt::format("PASSED: {}, {}; not an acceptance", what, covered);
    }
    case RunOutcome::kInconclusive: return fmt::format("NOT ACCEPTED: inconclusive, {}", covered);
    case RunOutcome::kSkipped: return "NOT ACCEPTED: nothing was judged";
    case RunOutcome::kError: return fmt::format("NOT ACCEPTED: errors, {}", covered);
    case RunOutcome::kPass:  // always accepted (above)
    case RunOutcome::kFail: break;
  }
  return fmt::format("NOT ACCEPTED: failures, {}", covered);
}

nlohmann::json BuildSummary(const std::vector<Verdict>& verdicts, const std::string& suite) {
  using nlohmann::json;
  std::map<std::string, int> counts{{"pass", 0},  {"warn", 0},  {"fail", 0},
                                    {"skipped", 0}, {"error", 0}, {"not_applicable", 0}};
  std::map<std::string, Outcome> worst_by_subject;
  std::map<std::string, Subject> subjects;
  for (const Verdict& v : verdicts) {
    ++counts[std::string(ToString(v.outcome))];
    std::string key = v.subject.Key();
    auto [it, inserted] = worst_by_subject.emplace(key, v.outcome);
    if (!inserted) it->second = Worst(it->second, v.outcome);
    subjects.emplace(key, v.subject);
  }
  json failing = json::array();
  for (const auto& [key, outcome] : worst_by_subject) {
    if (IsFailure(outcome)) failing.push_back({{"subject", subjects[key]}, {"outcome", ToString(outcome)}});
  }
  RunSummary summary = SummarizeOutcome(verdicts);
  return json{{"outcome", summary.outcome}, {"accepted", summary.accepted}, {"exit_code", summary.exit_code},
              {"headline", Headline(summary, suite)}, {"note", summary.note}, {"coverage", summary.coverage},
              {"counts", counts}, {"failing_subjects", failing}};
}

nlohmann::json SummaryOf(const nlohmann::json& report) {
  std::string suite;
  if (report.contains("suite") && report["suite"].is_object()) suite = report["suite"].value("name", "");
  return BuildSummary(report.at("verdicts").get<std::vector<Verdict>>(), suite);
}

nlohmann::json BuildReport(const RunRecord& r) {
  using nlohmann::json;
  json nodes = NodeRecordsJson(r.nodes);
  json steps = json::array();
  for (const StepRecord& step : r.steps) {
    json results = json::array();
    for (const StepResult& result : step.results) {
      results.push_back({{"subject", result.subject}, {"node", result.node}, {"rank", result.rank},
                         {"status", result.status}, {"reason", result.reason},
                         {"elapsed_s", result.elapsed_s}});
    }
    steps.push_back({{"phase", step.phase}, {"probe", step.probe}, {"where", step.where},
                     {"timeout_s", step.timeout_s}, {"parameters", step.parameters}, {"optional", step.optional},
                     {"results", results}});
  }
  return json{
      {"schema", kReportSchema},
      {"kiln", {{"version", r.kiln_version}}},
      {"run",
       {{"id", r.run_id}, {"started", r.started}, {"finished", r.finished}, {"duration_s", r.duration_s},
        {"launcher", r.launcher}, {"ranks", r.ranks}, {"rank_as_node", r.rank_as_node}, {"simulated", false}}},
      {"cluster", {{"name", r.cluster}, {"nodes", nodes}}},
      {"suite",
       {{"name", r.suite_name}, {"path", r.suite_path}, {"sha256", r.suite_sha256},
        {"description", r.suite_description}}},
      {"baseline",
       {{"sku", r.baseline_sku}, {"path", r.baseline_path}, {"sha256", r.baseline_sha256},
        {"description", r.baseline_description}, {"selection", r.baseline_selection},
        {"not_checked", r.not_checked}}},
      {"steps", steps},
      {"measurements", r.measurements},
      {"verdicts", r.verdicts},
      {"summary", BuildSummary(r.verdicts, r.suite_name)},
      {"signature", {{"signed", false}, {"note", "this report is not signed"}}},
      {"previous_report_sha256", nullptr},
  };
}

std::string ReportIdentity(const nlohmann::json& report, const std::string& content) {
  auto one_word = [](std::string text) {
    for (char& c : text) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) c = '_';
    }
    return text.empty() ? std::string("-") : text;
  };
  return fmt::format("kiln-report cluster={} suite={} finished={} sha256={}",
                     one_word(report.at("cluster").value("name", "")), one_word(report.at("suite").value("name", "")),
                     one_word(report.at("run").value("finished", "")), Sha256Hex(content));
}

VerifyResult VerifyReportSignature(const KeyPair& public_key, const std::string& content,
                                   const std::string& signature_text) {
  VerifyResult result = VerifySignature(public_key, content, signature_text);
  if (result.ok && result.trusted_comment.find("sha256=" + Sha256Hex(content)) == std::string::npos) {
    result.ok = false;
    result.message = fmt::format("the signed identity names another report ({})", result.trusted_comment);
  }
  return result;
}

RunRecord RecordFromReport(const nlohmann::json& report, const std::string& path) {
  RunRecord r;
  try {
    const nlohmann::json& run = report.at("run");
    r.kiln_version = report.at("kiln").value("version", "");
    r.run_id = run.value("id", "");
    r.started = run.value("started", "");
    r.finished = run.value("finished", "");
    r.duration_s = run.value("duration_s", 0.0);
    r.launcher = run.value("launcher", "");
    r.ranks = run.value("ranks", 1);
    r.rank_as_node = run.value("rank_as_node", false);
    r.cluster = report.at("cluster").value("name", "");
    r.nodes = NodeRecordsFromJson(report.at("cluster").at("nodes"));
    const nlohmann::json& suite = report.at("suite");
    r.suite_name = suite.value("name", "");
    r.suite_path = suite.value("path", "");
    r.suite_sha256 = suite.value("sha256", "");
    r.suite_description = suite.value("description", "");
    for (const nlohmann::json& step : report.value("steps", nlohmann::json::array())) {
      StepRecord s;
      s.phase = step.value("phase", "");
      s.probe = step.at("probe").get<std::string>();
      s.where = step.value("where", "");
      s.timeout_s = step.value("timeout_s", 0.0);
      s.parameters = step.value("parameters", std::map<std::string, std::string>{});
      s.optional = step.value("optional", false);
      for (const nlohmann::json& result : step.at("results")) {
        s.results.push_back({result.at("subject").get<Subject>(), result.value("node", ""), result.value("rank", 0),
                             result.at("status").get<StepStatus>(), result.value("reason", ""),
                             result.value("elapsed_s", 0.0)});
      }
      r.steps.push_back(std::move(s));
    }
    r.measurements = report.at("measurements").get<std::vector<Measurement>>();
    r.verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  } catch (const std::exception& e) {
    throw InputError(path, 0, fmt::format("not a complete Kiln report: {}", e.what()));
  }
  return r;
}

nlohmann::json LoadReport(const std::string& path) {
  std::string text = ReadFile(path);
  nlohmann::json report = ParseJsonInput(text, path);  // 1e400 too: exit 2 with the file, line and field
  const nlohmann::json* schema = report.is_object() && report.contains("schema") ? &report["schema"] : nullptr;
  if (schema == nullptr || !schema->is_string() || schema->get<std::string>() != kReportSchema) {
    throw InputError(path, 0, fmt::format("not a Kiln report (schema must be '{}')", kReportSchema));
  }
  for (const char* key : {"run", "cluster", "verdicts", "measurements", "summary"}) {
    if (!report.contains(key)) throw InputError(path, 0, fmt::format("report lacks '{}'", key));
  }
  // Every renderer and judge reads these typed: a field of the wrong type or an unknown outcome is the file's
  // fault, said here with its name, rather than an internal error later.
  try {
    (void)report.at("verdicts").get<std::vector<Verdict>>();
    (void)report.at("measurements").get<std::vector<Measurement>>();
    (void)report.at("summary").at("counts").get<std::map<std::string, int>>();
  } catch (const std::exception& e) {
    throw InputError(path, 0, fmt::format("malformed report: {}", e.what()));
  }
  CheckNodeListing(report, path);
  return report;
}

}  // namespace kiln
