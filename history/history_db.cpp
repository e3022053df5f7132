#include "history/history_db.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <sqlite3.h>

#include <ctime>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/measurement.hpp"
#include "core/verdict.hpp"
#include "history/failure_category.hpp"
#include "reports/node_judgement.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw RunError(fmt::format("history {}: {}", path, sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // True while there is a row.
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw RunError(fmt::format("history {}: {}", path_, sqlite3_errmsg(db_)));
  }
  void Run() {
    while (Step()) {
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  double Real(int column) const { return sqlite3_column_double(stmt_, column); }
  std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string path_;
};

// A node's hardware identity: serials of the system, the board and its GPUs; empty when none is known.
std::string Identity(const json& inventory) {
  if (!inventory.is_object()) return "";
  std::string text = inventory.value("system_serial", "") + "|" + inventory.value("board_serial", "");
  std::set<std::string> gpu_serials;
  const json gpus = inventory.value("gpus", json::object());
  for (const json& d : gpus.value("devices", json::array())) gpu_serials.insert(d.value("serial", ""));
  for (const std::string& s : gpu_serials) text += "|" + s;
  if (text.find_first_not_of('|') == std::string::npos) return "";
  return Sha256Hex(text).substr(0, 16);
}

std::string TimeWhere(const std::string& column, const std::string& since, const std::string& until) {
  std::string where = " WHERE 1=1";
  if (!since.empty()) where += fmt::format(" AND {} >= ?1", column);
  if (!until.empty()) where += fmt::format(" AND {} <= ?2", column);
  return where;
}

}  // namespace

HistoryDb::HistoryDb(const std::string& path, Access access) : path_(path) {
  std::error_code error;
  bool exists = std::filesystem::exists(path, error);
  if (access == Access::kQuery && !exists) {
    throw InputError(path, 0, "the history database does not exist (kiln history --add or kiln run --history creates one)");
  }
  int flags = access == Access::kQuery ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw RunError(fmt::format("cannot open history database '{}': {}", path, message));
  }
  sqlite3_busy_timeout(db_, 30000);  // another writer holds the lock: wait for it
  try {
    if (access == Access::kAdd) Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA foreign_keys=ON");
    Statement version(db_, "PRAGMA user_version", path_);
    version.Step();
    std::int64_t found = version.Int(0);
    if (found != 0 && found != kSchemaVersion) {
      throw InputError(path, 0, fmt::format("history schema version {} (this Kiln reads {})", found, kSchemaVersion));
    }
    // Version 0 with tables of its own: somebody else's database; Kiln adds nothing to it.
    Statement tables(db_, "SELECT count(*) FROM sqlite_master WHERE type='table'", path_);
    tables.Step();
    if (found == 0 && tables.Int(0) > 0) {
      throw InputError(path, 0, "an SQLite database, but not a Kiln history (it has tables of its own)");
    }
    if (access == Access::kQuery && found == 0) throw InputError(path, 0, "an empty database, not a Kiln history");
  } catch (const RunError& e) {
    int code = sqlite3_errcode(db_) & 0xff;
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
  if (access == Access::kQuery) return;
  Exec(R"sql(
    BEGIN;
    CREATE TABLE IF NOT EXISTS sweeps(
      id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE NOT NULL, run_id TEXT, cluster TEXT, suite TEXT,
      started TEXT, finished TEXT NOT NULL, outcome TEXT NOT NULL, source TEXT, added TEXT);
    CREATE TABLE IF NOT EXISTS node_sweeps(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, node TEXT NOT NULL, outcome TEXT NOT NULL,
      identity TEXT, PRIMARY KEY(sweep, node));
    CREATE TABLE IF NOT EXISTS measured(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, subject TEXT NOT NULL, probe TEXT,
      series TEXT NOT NULL, unit TEXT, higher_is_better INTEGER, value REAL);
    CREATE TABLE IF NOT EXISTS failures(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, subject TEXT, probe TEXT, series TEXT,
      outcome TEXT, reason TEXT, category TEXT);
    CREATE INDEX IF NOT EXISTS sweeps_finished ON sweeps(finished);
    CREATE INDEX IF NOT EXISTS measured_series ON measured(subject, series);
    PRAGMA user_version=1;
    COMMIT;
  )sql");
}

HistoryDb::~HistoryDb() { sqlite3_close(db_); }

void HistoryDb::Exec(const std::string& sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw RunError(fmt::format("history {}: {}", path_, message));
  }
}

bool HistoryDb::Add(const json& report, const std::string& content, const std::string& source_path) {
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
    sweep.Bind(6, finished).Bind(7, report.at("summary").value("outcome", "")).Bind(8, source_path);
    sweep.Bind(9, std::string(added));
    sweep.Run();
    std::int64_t id = sqlite3_last_insert_rowid(db_);

    std::map<std::string, json> inventories;
    for (const json& node : report.at("cluster").at("nodes")) inventories[node.value("name", "")] = node.value("inventory", json());
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
      failure_row.Bind(5, std::string(ToString(v.outcome))).Bind(6, v.reason).Bind(7, FailureCategory(v));
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
  while (q.Step()) rows.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5)});
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
  while (q.Step()) rows.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4)});
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
