#include "history/history_db.hpp"

#include <fmt/format.h>

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/measurement.hpp"
#include "core/node_inventory.hpp"
#include "core/verdict.hpp"
#include "history/failure_category.hpp"
#include "history/history_file.hpp"
#include "history/history_schema.hpp"
#include "history/sqlite_statement.hpp"
#include "reports/node_judgement.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

using nlohmann::json;

// A node's hardware identity: serials of the system, the board and its GPUs; empty when none is known.
std::string Identity(const std::optional<NodeInventory>& inventory) {
  if (!inventory) return "";
  std::string text = inventory->system_serial + "|" + inventory->board_serial;
  std::set<std::string> gpu_serials;
  for (const GpuInfo& d : inventory->gpus.devices) gpu_serials.insert(d.serial);
  for (const std::string& s : gpu_serials) text += "|" + s;
  if (text.find_first_not_of('|') == std::string::npos) return "";
  return Sha256Hex(text).substr(0, 16);
}

// An outcome as the file spells it, read by `parse`; InputError naming the file and the value when this Kiln knows
// no such outcome.
template <typename Parse>
auto ReadOutcome(Parse parse, const std::string& text, const std::string& path) {
  try {
    return parse(text);
  } catch (const std::invalid_argument& e) {
    throw InputError(path, 0, fmt::format("not a history this Kiln reads: {}", e.what()));
  }
}

std::string TimeWhere(const std::string& column, const std::string& since, const std::string& until) {
  std::string where = " WHERE 1=1";
  if (!since.empty()) where += fmt::format(" AND {} >= ?1", column);
  if (!until.empty()) where += fmt::format(" AND {} <= ?2", column);
  return where;
}

}  // namespace

HistoryDb::HistoryDb(const std::string& path, Access access) : path_(path) {
  HistoryFileHeader header = InspectHistoryFile(path);  // nothing opened by SQLite that it must not touch
  try {
    if (access == Access::kQuery) {
      OpenForQuery(header);
    } else {
      OpenForAdd();
    }
  } catch (const RunError& e) {
    int code = db_ ? sqlite3_errcode(db_) & 0xff : SQLITE_OK;
    sqlite3_close(db_);
    db_ = nullptr;
    // A file that is not a database is bad input; a database that cannot be read or written is an I/O failure.
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      throw InputError(path, 0, fmt::format("not a Kiln history database: {}", e.what()));
    }
    throw;
  } catch (const InputError&) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

void HistoryDb::Open(const std::string& name, int flags) {
  if (sqlite3_open_v2(name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    throw RunError(fmt::format("cannot open history database '{}': {}", path_, db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);  // another writer holds the lock: wait for it
}

// Read-only, so that a user who may read the history but not write its folder can query it. Without a -wal file
// the main file holds every committed sweep; where the folder is not writable SQLite could not make the -shm
// file a locked read needs, so it reads the file as it is (immutable).
void HistoryDb::OpenForQuery(const HistoryFileHeader& header) {
  if (header.kind == HistoryFileHeader::Kind::kAbsent) {
    throw InputError(path_, 0, "the history database does not exist (kiln history --add or kiln run --history creates one)");
  }
  if (header.kind == HistoryFileHeader::Kind::kEmpty) throw InputError(path_, 0, "an empty file, not a Kiln history");
  std::filesystem::path folder = std::filesystem::absolute(path_).parent_path();
  std::error_code error;
  bool wal_present = std::filesystem::exists(path_ + "-wal", error);
  bool immutable = !wal_present && ::access(folder.c_str(), W_OK) != 0;
  Open(SqliteReadOnlyUri(path_, immutable), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  HistorySchemaState schema = ReadHistorySchema(db_, path_);
  if (schema.content == HistorySchemaState::Content::kNew) throw InputError(path_, 0, "an empty database, not a Kiln history");
  if (schema.content == HistorySchemaState::Content::kForeign) {
    throw InputError(path_, 0, fmt::format("not a Kiln history: {}", schema.why));
  }
}

// Every writer takes the write lock first (BEGIN IMMEDIATE waits for it, up to the busy timeout), then decides
// on what it finds under the lock: concurrent first adds create the tables once, and the file of another
// program is refused before anything is written to it or its journal mode changes.
void HistoryDb::OpenForAdd() {
  Open(SqliteFilePath(path_), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  Exec("BEGIN IMMEDIATE");
  try {
    HistorySchemaState schema = ReadHistorySchema(db_, path_);
    switch (schema.content) {
      case HistorySchemaState::Content::kForeign:
        throw InputError(path_, 0, fmt::format("not a Kiln history: {}; left untouched", schema.why));
      case HistorySchemaState::Content::kNew: CreateHistorySchema(db_, path_); break;
      case HistorySchemaState::Content::kKiln:
        if (!schema.marked) MarkHistory(db_, path_);
        break;
    }
    Exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  UseWal();
  Exec("PRAGMA foreign_keys=ON");
}

// Readers never wait for the writer in WAL mode. Switching needs the file to itself for a moment; a switch that
// could not have it (another process was reading) is tried again until the busy timeout.
void HistoryDb::UseWal() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    {
      Statement mode(db_, "PRAGMA journal_mode", path_);  // finalised before the switch: it holds a read
      if (mode.Step() && mode.Text(0) == "wal") return;
    }
    int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) Exec("PRAGMA journal_mode=WAL");  // throws, naming the error
    if (std::chrono::steady_clock::now() > deadline) {
      throw RunError(fmt::format("history {}: could not switch to WAL mode: the database stayed locked for {} s",
                                 path_, kBusyTimeoutMs / 1000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

HistoryDb::~HistoryDb() { sqlite3_close(db_); }

void HistoryDb::Exec(const std::string& sql) const { ExecSql(db_, sql, path_); }

bool HistoryDb::Add(const json& report, const std::string& content, const std::string& source_path,
                    const ProbeCatalog& catalog) {
  std::string sha = Sha256Hex(content);
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  std::vector<Measurement> measurements = report.at("measurements").get<std::vector<Measurement>>();
  const json& run = report.at("run");
  std::string finished = run.value("finished", "");
  if (finished.empty()) throw InputError(source_path, 0, "report has no finish time (run.finished)");

  Exec("BEGIN IMMEDIATE");  // the write lock now, not half way through
  try {
    {
      Statement exists(db_, "SELECT 1 FROM sweeps WHERE sha256 = ?1", path_);
      exists.Bind(1, sha);
      if (exists.Step()) {
        Exec("ROLLBACK");
        return false;
      }
    }
    std::time_t now = std::time(nullptr);
    char added[32];
    std::strftime(added, sizeof added, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    Statement sweep(db_,
                    "INSERT INTO sweeps(sha256, run_id, cluster, suite, started, finished, outcome, source, added) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    path_);
    sweep.Bind(1, sha).Bind(2, run.value("id", "")).Bind(3, report.at("cluster").value("name", ""));
    sweep.Bind(4, report.value("suite", json::object()).value("name", "")).Bind(5, run.value("started", ""));
    // The outcome from the verdicts (pass = ACCEPTED, partial, fail...), not the summary the file claims.
    sweep.Bind(6, finished).Bind(7, std::string(ToString(SummarizeOutcome(verdicts).outcome)));
    sweep.Bind(8, source_path);
    sweep.Bind(9, std::string(added));
    sweep.Run();
    std::int64_t id = sqlite3_last_insert_rowid(db_);

    std::map<std::string, std::optional<NodeInventory>> inventories;
    for (const json& node : report.at("cluster").at("nodes")) {
      inventories[node.value("name", "")] = InventoryFromJson(node.value("inventory", json()));
    }
    Statement node_row(db_, "INSERT INTO node_sweeps(sweep, node, outcome, identity) VALUES(?1, ?2, ?3, ?4)", path_);
    for (const auto& [node, judgement] : JudgeNodes(report)) {
      node_row.Bind(1, id).Bind(2, node).Bind(3, std::string(ToString(judgement.outcome)));
      node_row.Bind(4, Identity(inventories[node]));
      node_row.Run();
    }
    Statement value_row(db_,
                        "INSERT INTO measured(sweep, subject, probe, series, unit, higher_is_better, value) "
                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        path_);
    for (const Measurement& m : measurements) {
      if (m.subject.kind == SubjectKind::kGroup) continue;  // about the whole group, not a node
      value_row.Bind(1, id).Bind(2, m.subject.Key()).Bind(3, m.probe).Bind(4, m.SeriesKey()).Bind(5, m.unit);
      value_row.Bind(6, static_cast<std::int64_t>(m.higher_is_better ? 1 : 0)).Bind(7, m.value());
      value_row.Run();
    }
    Statement failure_row(db_,
                          "INSERT INTO failures(sweep, subject, probe, series, outcome, reason, category) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          path_);
    for (const Verdict& v : verdicts) {
      if (!IsFailure(v.outcome)) continue;
      failure_row.Bind(1, id).Bind(2, v.subject.Label()).Bind(3, v.probe).Bind(4, v.series.empty() ? v.metric : v.series);
      failure_row.Bind(5, std::string(ToString(v.outcome))).Bind(6, v.reason).Bind(7, FailureCategory(v, catalog));
      failure_row.Run();
    }
    Exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return true;
}

std::vector<HistoryDb::Sweep> HistoryDb::Sweeps(const std::string& since, const std::string& until) const {
  Statement q(db_,
              "SELECT id, finished, cluster, suite, outcome, sha256 FROM sweeps" + TimeWhere("finished", since, until) +
                  " ORDER BY finished, id",
              path_);
  if (!since.empty()) q.Bind(1, since);
  if (!until.empty()) q.Bind(2, until);
  std::vector<Sweep> rows;
  while (q.Step()) {
    RunOutcome outcome = ReadOutcome(RunOutcomeFromString, q.Text(4), path_);
    rows.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), outcome, q.Text(5)});
  }
  return rows;
}

std::vector<HistoryDb::NodeSweep> HistoryDb::NodeSweeps(const std::string& since, const std::string& until) const {
  Statement q(db_,
              "SELECT s.id, s.finished, n.node, n.outcome, n.identity FROM node_sweeps n JOIN sweeps s ON s.id = n.sweep" +
                  TimeWhere("s.finished", since, until) + " ORDER BY s.finished, s.id, n.node",
              path_);
  if (!since.empty()) q.Bind(1, since);
  if (!until.empty()) q.Bind(2, until);
  std::vector<NodeSweep> rows;
  while (q.Step()) {
    rows.push_back({q.Int(0), q.Text(1), q.Text(2), ReadOutcome(OutcomeFromString, q.Text(3), path_), q.Text(4)});
  }
  return rows;
}

std::vector<HistoryDb::Value> HistoryDb::Values(const std::string& since, const std::string& until,
                                                const std::string& subject_filter,
                                                const std::string& series_filter) const {
  std::string sql =
      "SELECT s.finished, m.subject, m.probe, m.series, m.unit, m.higher_is_better, m.value FROM measured m "
      "JOIN sweeps s ON s.id = m.sweep" +
      TimeWhere("s.finished", since, until);
  if (!subject_filter.empty()) sql += " AND m.subject GLOB ?3";
  if (!series_filter.empty()) sql += " AND m.series GLOB ?4";
  sql += " ORDER BY m.subject, m.series, s.finished";
  Statement q(db_, sql, path_);
  if (!since.empty()) q.Bind(1, since);
  if (!until.empty()) q.Bind(2, until);
  if (!subject_filter.empty()) q.Bind(3, subject_filter);
  if (!series_filter.empty()) q.Bind(4, series_filter);
  std::vector<Value> rows;
  while (q.Step()) {
    rows.push_back({q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Int(5) != 0, q.Real(6)});
  }
  return rows;
}

std::vector<HistoryDb::Failure> HistoryDb::Failures(const std::string& since, const std::string& until) const {
  Statement q(db_,
              "SELECT s.id, s.finished, f.subject, f.probe, f.series, f.outcome, f.reason, f.category FROM failures f "
              "JOIN sweeps s ON s.id = f.sweep" +
                  TimeWhere("s.finished", since, until) + " ORDER BY s.finished, s.id",
              path_);
  if (!since.empty()) q.Bind(1, since);
  if (!until.empty()) q.Bind(2, until);
  std::vector<Failure> rows;
  while (q.Step()) {
    rows.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6), q.Text(7)});
  }
  return rows;
}

std::string NormalizeTimestamp(const std::string& text, const std::string& option) {
  std::tm tm{};
  std::string full = text.size() == 10 ? text + "T00:00:00Z" : text;
  const char* end = strptime(full.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0' || full.size() != 20) {
    throw InputError(fmt::format("{} '{}' is not a date (2026-11-01) or a UTC time (2026-11-01T06:00:00Z)", option, text));
  }
  return full;
}

double DaysBetween(const std::string& from, const std::string& to) {
  return (UtcSeconds(to).value_or(0.0) - UtcSeconds(from).value_or(0.0)) / 86400.0;
}

}  // namespace kiln
