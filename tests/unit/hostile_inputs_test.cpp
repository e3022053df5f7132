// Hostile and careless inputs (issue 25), one test per bug, each failing before its fix: histories written by
// many processes at once or handed a file that is not theirs, numbers out of range in a report, huge XML files,
// simulated clusters beyond the bound, sub-millisecond durations, control characters on the terminal.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bisection/simulation.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/units.hpp"
#include "history/history_db.hpp"
#include "history/stability.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "runners/suite.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A report of one sweep of `nodes` on day `day` (distinct content for each `id`).
std::string SweepReport(int id, const std::vector<std::string>& nodes = {"n1", "n2"}) {
  RunRecord r;
  r.kiln_version = "test";
  r.run_id = fmt::format("run{}", id);
  r.started = fmt::format("2026-11-{:02}T06:00:00Z", 1 + id % 28);
  r.finished = fmt::format("2026-11-{:02}T06:10:00Z", 1 + id % 28);
  r.cluster = "c1";
  r.suite_name = "quick";
  for (const std::string& node : nodes) {
    r.nodes.push_back({node, {0}, json()});
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node(node),
                                             {100.0 - id * 0.5}, true, "test"));
    Verdict v;
    v.probe = "host_stream";
    v.metric = v.series = "host.stream.triad_bw";
    v.subject = Subject::Node(node);
    v.outcome = id % 2 ? Outcome::kFail : Outcome::kPass;
    v.reason = "below the floor";
    r.verdicts.push_back(v);
  }
  return BuildReport(r).dump(2);
}

// Runs `child` in a forked process; its return value is the exit code (an exception: 100 + its exit code).
pid_t Fork(const std::function<int()>& child) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int code = 0;
  try {
    code = child();
  } catch (const KilnError& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());
    code = 100 + e.exit_code();
  } catch (...) {
    code = 99;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

int ExitCodeOf(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::int64_t Count(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

void Sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// #11: 32 processes add at once, first to a history that does not exist yet, then to the one they made; each
// waits for the others (README: up to 30 s) and none is lost.
TEST(HostileInputs, Bug11_ConcurrentHistoryAddsAllLand) {
  testing::TempDir dir;
  std::string db_path = (dir.path() / "history.db").string();
  constexpr int kWriters = 32;
  std::vector<std::string> reports;
  for (int i = 0; i < 2 * kWriters; ++i) reports.push_back(dir.Write(fmt::format("r{}.json", i), SweepReport(i)));
  for (int round = 0; round < 2; ++round) {
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < kWriters; ++i) {
      const std::string& report = reports[static_cast<std::size_t>(round * kWriters + i)];
      children.push_back(Fork([&] {
        ::close(go[1]);
        char byte;
        if (::read(go[0], &byte, 1) < 0) return 98;  // all start together, when the parent closes the pipe
        HistoryDb db(db_path);
        return db.Add(LoadReport(report), ReadFile(report), report, ProbeRegistry::Default().Catalog()) ? 0 : 1;
      }));
    }
    ::close(go[0]);
    ::close(go[1]);
    for (pid_t child : children) EXPECT_EQ(ExitCodeOf(child), 0) << "round " << round;
  }
  EXPECT_EQ(Count(db_path, "SELECT count(*) FROM sweeps"), 2 * kWriters);
  EXPECT_EQ(Count(db_path, "SELECT count(*) FROM node_sweeps"), 2 * 2 * kWriters);
  HistoryDb db(db_path, HistoryDb::Access::kQuery);
  EXPECT_EQ(db.Sweeps("", "").size(), static_cast<std::size_t>(2 * kWriters));
}

// #16: a history readable by all in a folder only its owner may write: another user queries it.
TEST(HostileInputs, Bug16_ReadOnlyHistoryIsQueryableWithoutWriteAccessToItsFolder) {
  testing::TempDir dir;
  fs::path folder = dir.path() / "shared";
  fs::create_directories(folder);
  std::string db_path = (folder / "history.db").string();
  for (int i = 0; i < 3; ++i) {
    std::string content = SweepReport(i);
    HistoryDb(db_path).Add(json::parse(content), content, fmt::format("r{}.json", i), ProbeRegistry::Default().Catalog());
  }
  ASSERT_FALSE(fs::exists(db_path + "-wal"));  // the last writer checkpointed and removed it
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(folder.c_str(), 0555);
  ::chmod(db_path.c_str(), 0444);
  pid_t child = Fork([&] {
    // root may write anywhere: query as nobody, who may only read
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 90;
    if (::access(folder.c_str(), W_OK) == 0) return 91;
    HistoryDb db(db_path, HistoryDb::Access::kQuery);
    return db.Sweeps("", "").size() == 3 && HistorySeries(db, {}).at("series").size() == 2 ? 0 : 92;
  });
  EXPECT_EQ(ExitCodeOf(child), 0);
  EXPECT_FALSE(fs::exists(db_path + "-shm"));
  ::chmod(folder.c_str(), 0755);
}

// #16: another program's database (rollback journal mode) is refused before SQLite writes anything to it: its
// bytes, its journal mode and its folder stay as they were.
TEST(HostileInputs, Bug16_ForeignDatabaseIsRefusedBeforeItIsSwitchedToWal) {
  testing::TempDir dir;
  std::string other = (dir.path() / "other.db").string();
  Sql(other, "CREATE TABLE inventory(x); INSERT INTO inventory VALUES(1);");
  std::string before = ReadFile(other);
  ASSERT_EQ(before[18], 1);  // file format 1: rollback journal
  for (HistoryDb::Access access : {HistoryDb::Access::kAdd, HistoryDb::Access::kQuery}) {
    EXPECT_NE(ErrorOf([&] { HistoryDb db(other, access); }).find("not a Kiln history"), std::string::npos);
  }
  EXPECT_EQ(ReadFile(other), before);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.path())) left.push_back(entry.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"other.db"});
  // Another program's marker in the header: refused without SQLite opening it at all.
  std::string marked = (dir.path() / "marked.db").string();
  Sql(marked, "PRAGMA application_id=42; PRAGMA user_version=1;");
  EXPECT_NE(ErrorOf([&] { HistoryDb db(marked); }).find("application_id 0x2a"), std::string::npos);
}

// #16: user_version 1 is not a signature: a foreign file with it (with tables of its own, or none) is refused and
// gets none of Kiln's tables.
TEST(HostileInputs, Bug16_ForeignFileWithUserVersion1GetsNoKilnTables) {
  testing::TempDir dir;
  std::string with_tables = (dir.path() / "a.db").string();
  Sql(with_tables, "PRAGMA user_version=1; CREATE TABLE inventory(x);");
  std::string without_tables = (dir.path() / "b.db").string();
  Sql(without_tables, "PRAGMA user_version=1;");
  for (const std::string& path : {with_tables, without_tables}) {
    std::string error = ErrorOf([&] { HistoryDb db(path); });
    EXPECT_NE(error.find("not Kiln's tables"), std::string::npos) << error;
    EXPECT_EQ(Count(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('sweeps','measured')"), 0) << path;
  }
  // A history of this Kiln is still taken, of course, and so is one made before the marker existed.
  std::string ours = (dir.path() / "ours.db").string();
  { HistoryDb db(ours); }
  Sql(ours, "PRAGMA application_id=0;");
  std::string content = SweepReport(1);
  EXPECT_TRUE(HistoryDb(ours).Add(json::parse(content), content, "r.json", ProbeRegistry::Default().Catalog()));
  EXPECT_EQ(Count(ours, "PRAGMA application_id"), 0x4B494C4E);
}

// #16: a history path that is a link to /dev/null, a FIFO, a folder, or to nothing: refused naming it, and
// SQLite never opens it (no "/dev/null-journal" beside the device, no file made at a link's target).
TEST(HostileInputs, Bug16_HistoryPathThatIsNotARegularFileIsRefusedUntouched) {
  testing::TempDir dir;
  bool journal_existed = fs::exists("/dev/null-journal");
  fs::create_symlink("/dev/null", dir.path() / "null.db");
  ASSERT_EQ(::mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  fs::create_symlink(dir.path() / "fifo", dir.path() / "fifo.db");
  fs::create_directories(dir.path() / "folder.db");
  fs::create_symlink(dir.path() / "target.db", dir.path() / "dangling.db");
  for (const char* name : {"null.db", "fifo.db", "folder.db", "dangling.db"}) {
    std::string path = (dir.path() / name).string();
    for (HistoryDb::Access access : {HistoryDb::Access::kAdd, HistoryDb::Access::kQuery}) {
      std::string error = ErrorOf([&] { HistoryDb db(path, access); });
      EXPECT_NE(error.find(path), std::string::npos) << name << ": " << error;
    }
  }
  if (!journal_existed) {
    EXPECT_FALSE(fs::exists("/dev/null-journal"));
  }
  EXPECT_FALSE(fs::exists(dir.path() / "target.db"));
  EXPECT_FALSE(fs::exists(dir.path() / "fifo-journal"));
  EXPECT_FALSE(fs::exists(dir.path() / "null.db-journal"));
  EXPECT_NE(ErrorOf([&] { HistoryDb db(""); }).find("empty"), std::string::npos);
}

// #13: a number beyond a double's range is the file's fault: exit 2 (InputError) naming file, line and field.
TEST(HostileInputs, Bug13_OutOfRangeNumberInAReportNamesFileLineAndField) {
  testing::TempDir dir;
  json report = json::parse(SweepReport(1));
  std::string text = report.dump(1);
  std::size_t at = text.find("\"samples\"", text.find("\"measurements\""));
  at = text.find("\"samples\"", at + 1);  // the second measurement's
  ASSERT_NE(at, std::string::npos);
  std::size_t end = text.find(']', at);
  text.replace(at, end + 1 - at, "\"samples\": [100,\n 1e400]");
  std::string path = dir.Write("report.json", text);
  std::string error = ErrorOf([&] { LoadReport(path); });
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(text.find("1e400")), '\n'));
  EXPECT_NE(error.find(fmt::format("{}:{}:", path, line)), std::string::npos) << error;
  EXPECT_NE(error.find("measurements[1].samples[1]"), std::string::npos) << error;
  EXPECT_NE(error.find("1e400"), std::string::npos) << error;
  // A huge integer and a negative overflow, elsewhere in the file.
  for (const std::string& number : {std::string(400, '9'), std::string("-1e999")}) {
    json copy = report;
    std::string huge = copy.dump();
    huge.replace(huge.find("\"ranks\":1"), 9, "\"ranks\":" + number);
    std::string p = dir.Write("huge.json", huge);
    std::string e = ErrorOf([&] { LoadReport(p); });
    EXPECT_NE(e.find("run.ranks"), std::string::npos) << e;
  }
  // Malformed JSON still says where.
  std::string broken = dir.Write("broken.json", "{\n \"schema\": \"kiln.report/1\",\n \"run\": [1, 2,,]\n}");
  EXPECT_NE(ErrorOf([&] { LoadReport(broken); }).find(broken + ":3:"), std::string::npos);
}

// #14: line numbers stay exact in a large file (they are found by binary search now, not counted per element).
TEST(HostileInputs, Bug14_LineNumbersOfALargeSuiteAreExact) {
  testing::TempDir dir;
  std::string xml = "<suite name=\"big\">\n<phase name=\"node\">\n";
  constexpr int kSteps = 3000;
  for (int i = 0; i < kSteps; ++i) xml += "<step probe=\"sleep\" timeout=\"60s\"/>\n";
  xml += "<step probe=\"sleep\" timeout=\"soon\"/>\n</phase>\n</suite>\n";
  std::string path = dir.Write("big.xml", xml);
  std::string error = ErrorOf([&] { LoadSuite(path, ProbeRegistry::Default()); });
  EXPECT_NE(error.find(fmt::format("{}:{}:", path, kSteps + 3)), std::string::npos) << error;
  std::string cluster = "<cluster nodes=\"4\">\n";
  for (int i = 0; i < kSteps; ++i) cluster += "<fault kind=\"slow_node\" node=\"node1\"/>\n";
  cluster += "<fault kind=\"slow_node\" node=\"node9\"/>\n</cluster>\n";
  std::string cluster_path = dir.Write("c.xml", cluster);
  EXPECT_NE(ErrorOf([&] { LoadSimulatedCluster(cluster_path); }).find(fmt::format("{}:{}:", cluster_path, kSteps + 2)),
            std::string::npos);
}

// #15: nodes="2000000000" is refused at once, naming the bound, instead of allocating 2e9 names.
TEST(HostileInputs, Bug15_SimulatedClusterBeyondTheBoundIsRefusedAtOnce) {
  testing::TempDir dir;
  for (std::string nodes : {"2000000000", "262145", "2e9", "99999999999"}) {
    std::string path = dir.Write("c.xml", "<cluster nodes=\"" + nodes + "\"/>\n");
    std::string error = ErrorOf([&] { LoadSimulatedCluster(path); });
    EXPECT_NE(error.find(path + ":1:"), std::string::npos) << error;
    EXPECT_NE(error.find(fmt::format("from 1 to {}", kMaxSimulatedNodes)), std::string::npos) << error;
  }
  std::string path = dir.Write("ok.xml", fmt::format("<cluster nodes=\"{}\"/>\n", kMaxSimulatedNodes));
  EXPECT_EQ(LoadSimulatedCluster(path).nodes.size(), static_cast<std::size_t>(kMaxSimulatedNodes));
}

// #21: a duration above zero but below a millisecond is refused like "0s" where a positive one is needed.
TEST(HostileInputs, Bug21_TimeoutsBelowAMillisecondAreRefused) {
  for (const char* text : {"1e-300s", "0.0000001s", "0.0009s", "0.5us", "1e-310ms", "0.000000001"}) {
    EXPECT_FALSE(ParseDuration(text).has_value()) << text;
  }
  EXPECT_DOUBLE_EQ(ParseDuration("1ms")->count(), 1e-3);
  EXPECT_DOUBLE_EQ(ParseDuration("0.001s")->count(), 1e-3);
  EXPECT_DOUBLE_EQ(ParseDuration("0s")->count(), 0);  // "off" where a parameter allows it (ib_link's duration)
  testing::TempDir dir;
  for (const char* timeout : {"1e-300s", "0.0000001s", "0s"}) {
    std::string path = dir.Write("s.xml", fmt::format("<suite name=\"t\"><phase name=\"node\"><step probe=\"sleep\" "
                                                      "timeout=\"{}\"/></phase></suite>", timeout));
    std::string error = ErrorOf([&] { LoadSuite(path, ProbeRegistry::Default()); });
    EXPECT_NE(error.find(fmt::format("timeout '{}'", timeout)), std::string::npos) << error;
  }
}

// #17: control characters from node names and reasons reach `kiln history` and the stability report's text as
// visible escapes, never raw.
TEST(HostileInputs, Bug17_ControlCharactersInHistoryAndStabilityTextAreEscaped) {
  testing::TempDir dir;
  std::string db_path = (dir.path() / "history.db").string();
  HistoryDb db(db_path);
  for (int i = 0; i < 6; ++i) {
    std::string content = SweepReport(i, {"vm\x1b[2J", "n\r2\x07"});
    db.Add(json::parse(content), content, "r.json", ProbeRegistry::Default().Catalog());
  }
  HistoryQuery query;
  std::string history = RenderHistoryText(HistorySeries(db, query), false);
  std::string stability = RenderStabilityText(BuildStabilityReport(db, query));
  for (const std::string& text : {history, stability}) {
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos);
    EXPECT_EQ(text.find('\x07'), std::string::npos);
    EXPECT_NE(text.find("vm\\x1b[2J"), std::string::npos) << text;
    EXPECT_NE(text.find("n\\x0d2\\x07"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace kiln
