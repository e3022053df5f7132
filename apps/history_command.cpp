// `kiln history`: add reports to the history database, show each node's series with drift, or write them as a
// replay for `kiln predict` (--replay).

#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "apps/command.hpp"
#include "apps/option_checks.hpp"
#include "core/files.hpp"
#include "history/history_db.hpp"
#include "history/history_replay.hpp"
#include "probes/registry.hpp"
#include "history/stability.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

struct HistoryArgs {
  std::string db = "kiln-history.db";
  std::vector<std::string> add;
  HistoryQuery query;
  std::string format = "text";
  std::string replay;  // write the values as a replay file (docs/predict.md), then stop
  bool drift_only = false;
};

int History(HistoryArgs& args) {
  if (!args.query.since.empty()) args.query.since = NormalizeTimestamp(args.query.since, "--since");
  if (!args.query.until.empty()) args.query.until = NormalizeTimestamp(args.query.until, "--until");
  if (!args.add.empty()) {
    std::optional<HistoryDb> db;  // opened once the first report has loaded: a bad one creates no history
    const ProbeCatalog catalog = ProbeRegistry::Default().Catalog();  // what each failure's probe counts under
    for (const std::string& path : args.add) {
      nlohmann::json report = LoadReport(path);
      if (!db) db.emplace(args.db, HistoryDb::Access::kAdd);
      bool added = db->Add(report, ReadFile(path), path, catalog);
      fmt::print("kiln: {} {}\n", path, added ? "added" : "already in the history");
    }
    return 0;
  }
  HistoryDb db(args.db, HistoryDb::Access::kQuery);
  if (!args.replay.empty()) {
    HistoryReplay replay = HistoryReplayLines(db, args.query);
    WriteOutputFile(args.replay, replay.lines);  // "-" is not stdout here: a file, a device or a FIFO
    fmt::print("kiln: {} samples of {} series -> {}\n", replay.samples, replay.series, args.replay);
    return 0;
  }
  nlohmann::json series = HistorySeries(db, args.query);
  if (args.format == "json") {
    fmt::print("{}\n", series.dump(2));
  } else {
    std::fputs(RenderHistoryText(series, args.drift_only).c_str(), stdout);
  }
  return 0;
}

}  // namespace

Command AddHistoryCommand(CLI::App& app) {
  auto args = std::make_shared<HistoryArgs>();
  CLI::App* history = app.add_subcommand("history", "sweeps over time: per node and metric, with drift");
  history->add_option("--db", args->db, "history database (SQLite)")->capture_default_str()->check(NonEmpty());
  history->add_option("--add", args->add, "add these report.json files, then stop");
  history->add_option("--node", args->query.subject_glob, "subjects to show (glob: node0*)");
  history->add_option("--metric", args->query.series_glob, "series to show (glob: host.stream.*)");
  history->add_option("--since", args->query.since, "from this date or time");
  history->add_option("--until", args->query.until, "up to this date or time");
  history->add_option("--drift-threshold", args->query.drift.min_relative_change,
                      "share a series must lose to count as drift")->capture_default_str()->check(FinitePositive(1));
  history->add_option("--replay", args->replay,
                      "write the values as a replay for kiln predict (JSON Lines, metrics.prom's names), then stop")
      ->check(NonEmpty());
  history->add_flag("--drift-only", args->drift_only, "show only drifting series");
  history->add_option("--format", args->format, "text | json")->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return {history, [args] { return History(*args); }};
}

}  // namespace kiln
