// `kiln report`: render a report.json again, or build the stability report over the history.

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "apps/command.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "history/history_db.hpp"
#include "history/history_replay.hpp"
#include "history/stability.hpp"
#include "predict/predictor.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/signing.hpp"

namespace kiln {
namespace {

struct ReportArgs {
  std::string path;
  std::string format = "text";
  std::string output;
  bool stability = false;
  std::string db = "kiln-history.db";
  std::string sign_key;
  HistoryQuery query;
};

// Writes `text` to the output file (through a device, FIFO or link, never replacing one), or stdout for "" and "-".
void Emit(const std::string& text, const std::string& output) {
  if (output.empty() || output == "-") {
    std::fputs(text.c_str(), stdout);
  } else {
    WriteOutputFile(output, text);
  }
}

// kiln predict's rules over the period's history (Kiln's own measurements, as `kiln history --replay` writes
// them): alerts.jsonl's lines, for the stability report's "nodes at risk".
nlohmann::json AlertsOverHistory(const HistoryDb& db, const HistoryQuery& query, const std::string& db_path) {
  std::istringstream lines(HistoryReplayLines(db, query).lines);
  predict::Replay replay;
  replay.AddStream(lines, db_path);
  replay.Sort();
  nlohmann::json alerts = nlohmann::json::array();
  for (const predict::Alert& alert : predict::Predict(replay)) alerts.push_back(predict::AlertToJson(alert));
  return alerts;
}

int Stability(ReportArgs& args) {
  HistoryQuery query = args.query;
  if (query.since.empty()) throw InputError("kiln report --stability needs --since DATE");
  bool to_stdout = args.output.empty() || args.output == "-";
  if (to_stdout && !args.sign_key.empty()) throw InputError("--sign-key needs -o FILE: the signature goes next to it");
  if (!args.sign_key.empty() && WritesThrough(args.output)) {
    throw InputError(fmt::format("--sign-key needs -o naming a regular file (the signature goes next to it); '{}' is "
                                 "a device, FIFO, socket or link", args.output));
  }
  // The key is checked before anything is written: a bad key leaves no unsigned output behind.
  std::optional<KeyPair> keys;
  if (!args.sign_key.empty()) keys = LoadSecretKey(args.sign_key);
  if (!to_stdout) RefuseOverwritingInput(args.output, {args.db}, "-o");
  query.since = NormalizeTimestamp(query.since, "--since");
  if (!query.until.empty()) query.until = NormalizeTimestamp(query.until, "--until");
  HistoryDb db(args.db, HistoryDb::Access::kQuery);
  nlohmann::json stability = BuildStabilityReport(db, query, AlertsOverHistory(db, query, args.db));
  const std::string& format = args.format;
  std::string text = format == "html"   ? RenderStabilityHtml(stability)
                     : format == "json" ? stability.dump(2) + "\n"
                     : format == "text" ? RenderStabilityText(stability)
                                        : throw InputError(fmt::format("--format '{}' for --stability: json, html or text", format));
  Emit(text, args.output);
  if (keys) {
    std::string comment = fmt::format("kiln-stability since={} until={} sweeps={} sha256={}", query.since,
                                      query.until.empty() ? "-" : query.until,
                                      stability["fleet"]["sweeps"].get<int>(), Sha256Hex(text));
    WriteFileAtomically(args.output + ".minisig", SignatureFileText(*keys, text, comment));
    fmt::print("kiln: signed {} with key {} -> {}.minisig\n", args.output, KeyIdHex(keys->key_id), args.output);
  }
  return 0;
}

int Report(ReportArgs& args) {
  if (args.stability) return Stability(args);
  if (args.path.empty()) throw InputError("kiln report needs a report.json (or --stability)");
  nlohmann::json report = LoadReport(args.path);
  std::string text;
  try {
    text = Render(AsStored(std::move(report), args.path), args.format);
  } catch (const nlohmann::json::exception& e) {
    // A report.json is input like any other: a field of the wrong type is the file's fault, not Kiln's.
    throw InputError(args.path, 0, fmt::format("malformed report: {}", e.what()));
  } catch (const std::invalid_argument& e) {
    throw InputError(args.path, 0, fmt::format("malformed report: {}", e.what()));
  }
  if (!args.output.empty() && args.output != "-") RefuseOverwritingInput(args.output, {args.path}, "-o");
  Emit(text, args.output);
  return 0;
}

}  // namespace

Command AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand("report", "render a report.json");
  report->add_option("results", args->path, "report.json");
  report->add_flag("--stability", args->stability, "a stability report over the history instead (needs --since)");
  report->add_option("--since", args->query.since, "--stability: from this date (2026-11-01) or time");
  report->add_option("--until", args->query.until, "--stability: up to this date or time");
  report->add_option("--db", args->db, "--stability: history database")->capture_default_str();
  report->add_option("--sign-key", args->sign_key, "--stability: sign the output file (FILE.minisig)");
  report->add_option("--format", args->format, "html | junit | prom | md | text | json")->capture_default_str();
  report->add_option("-o,--output", args->output, "output file (default: stdout)");
  return {report, [args] { return Report(*args); }};
}

}  // namespace kiln
