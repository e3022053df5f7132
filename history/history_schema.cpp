#include "history/history_schema.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <vector>

#include "core/errors.hpp"
#include "history/history_file.hpp"
#include "history/sqlite_statement.hpp"

namespace kiln {
namespace {

// Version 1's tables and their columns, in order: a file with user_version 1 must have exactly these.
const std::map<std::string, std::vector<std::string>>& KilnTables() {
  static const std::map<std::string, std::vector<std::string>> tables = {
      {"sweeps", {"id", "sha256", "run_id", "cluster", "suite", "started", "finished", "outcome", "source", "added"}},
      {"node_sweeps", {"sweep", "node", "outcome", "identity"}},
      {"measured", {"sweep", "subject", "probe", "series", "unit", "higher_is_better", "value"}},
      {"failures", {"sweep", "subject", "probe", "series", "outcome", "reason", "category"}},
  };
  return tables;
}

std::int64_t PragmaInt(sqlite3* db, const char* pragma, const std::string& path) {
  Statement q(db, fmt::format("PRAGMA {}", pragma), path);
  return q.Step() ? q.Int(0) : 0;
}

// Each table of the database (SQLite's own aside) with its columns.
std::map<std::string, std::vector<std::string>> Tables(sqlite3* db, const std::string& path) {
  std::map<std::string, std::vector<std::string>> tables;
  Statement names(db, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                  path);
  while (names.Step()) tables[names.Text(0)];
  for (auto& [name, columns] : tables) {
    Statement info(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", path);
    info.Bind(1, name);
    while (info.Step()) columns.push_back(info.Text(0));
  }
  return tables;
}

}  // namespace

HistorySchemaState ReadHistorySchema(sqlite3* db, const std::string& path) {
  HistorySchemaState state;
  auto application_id = static_cast<std::uint32_t>(PragmaInt(db, "application_id", path));
  std::int64_t version = PragmaInt(db, "user_version", path);
  std::map<std::string, std::vector<std::string>> tables = Tables(db, path);
  state.marked = application_id == kKilnApplicationId;
  auto foreign = [&state](std::string why) {
    state.content = HistorySchemaState::Content::kForeign;
    state.why = std::move(why);
    return state;
  };
  if (application_id != 0 && !state.marked) {
    return foreign(fmt::format("an SQLite database of another program (application_id {:#x})", application_id));
  }
  if (version == 0) {
    if (tables.empty()) return state;  // kNew
    return foreign("an SQLite database with tables of its own");
  }
  if (version != kHistorySchemaVersion) {
    if (state.marked) {
      throw InputError(path, 0, fmt::format("history schema version {} (this Kiln reads {})", version,
                                            kHistorySchemaVersion));
    }
    return foreign(fmt::format("an SQLite database with user_version {} and without Kiln's marker", version));
  }
  if (tables != KilnTables()) {
    std::vector<std::string> names;
    for (const auto& [name, columns] : tables) names.push_back(name);
    return foreign(fmt::format("user_version {} but not Kiln's tables (it has: {})", version,
                               names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  state.content = HistorySchemaState::Content::kKiln;
  return state;
}

void CreateHistorySchema(sqlite3* db, const std::string& path) {
  ExecSql(db, R"sql(
    CREATE TABLE sweeps(
      id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE NOT NULL, run_id TEXT, cluster TEXT, suite TEXT,
      started TEXT, finished TEXT NOT NULL, outcome TEXT NOT NULL, source TEXT, added TEXT);
    CREATE TABLE node_sweeps(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, node TEXT NOT NULL, outcome TEXT NOT NULL,
      identity TEXT, PRIMARY KEY(sweep, node));
    CREATE TABLE measured(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, subject TEXT NOT NULL, probe TEXT,
      series TEXT NOT NULL, unit TEXT, higher_is_better INTEGER, value REAL);
    CREATE TABLE failures(
      sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE, subject TEXT, probe TEXT, series TEXT,
      outcome TEXT, reason TEXT, category TEXT);
    CREATE INDEX sweeps_finished ON sweeps(finished);
    CREATE INDEX measured_series ON measured(subject, series);
  )sql", path);
  MarkHistory(db, path);
  ExecSql(db, fmt::format("PRAGMA user_version={}", kHistorySchemaVersion), path);
}

void MarkHistory(sqlite3* db, const std::string& path) {
  ExecSql(db, fmt::format("PRAGMA application_id={}", static_cast<std::int32_t>(kKilnApplicationId)), path);
}

}  // namespace kiln
