#pragma once
// Every report, stored in one SQLite file (WAL mode; writers take the write lock up front and wait for
// each other): what `kiln history` and the stability report read. Per report: its identity and outcome;
// per node: its outcome in that sweep and its hardware identity; the judged values of node, device and
// pair subjects; every failure with its category.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/probe.hpp"
#include "core/verdict.hpp"
#include "reports/run_outcome.hpp"

struct sqlite3;

namespace kiln {

struct HistoryFileHeader;

class HistoryDb {
 public:
  enum class Access {
    kAdd,    // creates the file when it does not exist yet; refuses an SQLite file that holds something else
    kQuery,  // read-only: the file must exist (a mistyped path is an error, not a new empty history); needs no
             // write access to the file or its folder
  };
  // Throws InputError naming the file when it is not a Kiln history (or, to query, does not exist), or not a
  // regular file; RunError when it cannot be opened or written (permissions, a full disk), or when other writers
  // hold it for longer than the busy timeout. A file that is refused is neither written nor switched to WAL.
  explicit HistoryDb(const std::string& path, Access access = Access::kAdd);
  ~HistoryDb();
  HistoryDb(const HistoryDb&) = delete;
  HistoryDb& operator=(const HistoryDb&) = delete;

  // Adds a report (its JSON and the exact bytes it was read from). False when that report (same SHA-256) is
  // there already. All of it or nothing is stored. `catalog` gives each failure's category (the registry's).
  bool Add(const nlohmann::json& report, const std::string& content, const std::string& source_path,
           const ProbeCatalog& catalog);

  struct Sweep {
    std::int64_t id = 0;
    std::string finished, cluster, suite;
    RunOutcome outcome = RunOutcome::kPass;
    std::string sha256;
  };
  struct NodeSweep {
    std::int64_t sweep = 0;
    std::string finished, node;
    Outcome outcome = Outcome::kPass;  // the node's own (reports/node_judgement.hpp)
    std::string identity;
  };
  struct Value {
    std::string finished, subject, probe, series, unit;
    bool higher_is_better = true;
    double value = 0;
  };
  struct Failure {
    std::int64_t sweep = 0;
    std::string finished, subject, probe, series, outcome, reason, category;
  };
  // Times are ISO 8601 UTC ("2026-11-23T09:00:00Z"); an empty bound is open. Sweeps and NodeSweeps throw
  // InputError naming the file and the value when an outcome in it is not one this Kiln knows.
  std::vector<Sweep> Sweeps(const std::string& since, const std::string& until) const;
  std::vector<NodeSweep> NodeSweeps(const std::string& since, const std::string& until) const;
  std::vector<Value> Values(const std::string& since, const std::string& until, const std::string& subject_filter,
                            const std::string& series_filter) const;
  std::vector<Failure> Failures(const std::string& since, const std::string& until) const;

 // How long a writer waits for the others (README: 30 s).
  static constexpr int kBusyTimeoutMs = 30000;

 private:
  void Open(const std::string& name, int flags);
  void OpenForQuery(const HistoryFileHeader& header);
  void OpenForAdd();
  void UseWal();
  void Exec(const std::string& sql) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

// "2026-11-01" or "2026-11-01T06:00:00Z" -> "2026-11-01T06:00:00Z"; InputError naming `option` otherwise.
std::string NormalizeTimestamp(const std::string& text, const std::string& option);

// Days from `from` to `to` (ISO 8601 UTC timestamps).
double DaysBetween(const std::string& from, const std::string& to);

}  // namespace kiln
