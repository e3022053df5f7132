// kiln under mpirun when something goes wrong mid-run: a group collective that hangs, a frozen rank, SIGTERM to
// mpirun. Each must end the job with the report of what was done, naming the rank and node at fault.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <filesystem>
#include <thread>
#include <chrono>

#include "core/files.hpp"
#include "core/hostname.hpp"
#include "tests/support/rank_processes.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::FindRank;
using testing::Mpirun;
using testing::RunCommand;
using testing::SourceDir;
using testing::Spawn;

void ExpectEndedByTheWatchdog(const nlohmann::json& report, const std::string& hung_step) {
  bool ended = false;
  for (const auto& v : report["verdicts"]) {
    if (v["probe"] == "run" && v["outcome"] == "error") {
      std::string reason = v["reason"];
      ended = reason.find("ended by the watchdog: " + hung_step) == 0;
      EXPECT_TRUE(ended) << reason;
    }
  }
  EXPECT_TRUE(ended) << report["verdicts"].dump(2);
  EXPECT_EQ(report["summary"]["accepted"], false);
}

TEST(MpiHarness, AGroupCollectiveThatHangsEndsTheJobWithTheReportOfTheHang) {
  // MPI runs at MPI_THREAD_FUNNELED: a collective probe runs on the main thread, and when one node never joins
  // its collective the others are stuck in MPI, which no other thread may call. The watchdog must write the report
  // and end the job, soon after the step's timeout, instead of leaving it hung.
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string hung = LocalHostname() + "-r2";
  std::string suite = dir.Write("stall.xml", R"(<suite name="stall">
  <phase name="node"><step probe="sleep" timeout="30s"><param name="duration" value="10ms"/></step></phase>
  <phase name="group">
    <step probe="stall" timeout="3s">
      <param name="duration" value="1h"/><param name="only_on" value=")" + hung + R"("/><param name="ignore_stop" value="true"/>
    </step>
    <step probe="mpi_allreduce" timeout="60s"><param name="sizes" value="8B"/><param name="samples" value="1"/></step>
  </phase>
</suite>)");
  auto result = RunCommand(Mpirun(4, {"run", "--rank-as-node", "--suite", suite, "--baseline",
                                      SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out}),
                           120);
  ASSERT_FALSE(result.timed_out) << result.output;
  // Rank 0 ends the job 3 s (timeout) + 2 s (grace) + 5 s (gathering) after the step starts.
  EXPECT_LT(result.seconds, 60) << result.output;
  EXPECT_NE(result.exit_code, 0) << result.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_EQ(report["steps"][0]["results"].size(), 4u) << "the node step before it is kept";
  const auto& stalled = report["steps"][1]["results"];
  ASSERT_EQ(stalled.size(), 1u) << stalled;
  EXPECT_EQ(stalled[0]["status"], "timeout");
  EXPECT_EQ(stalled[0]["subject"]["kind"], "group");
  std::string reason = stalled[0]["reason"];
  EXPECT_NE(reason.find("rank 0"), std::string::npos) << reason;
  EXPECT_NE(reason.find("step 2/3 (group/stall)"), std::string::npos) << reason;
  EXPECT_TRUE(report["steps"][2]["results"].empty()) << "the step after the hang did not run";
  ExpectEndedByTheWatchdog(report, "step 2/3 (group/stall)");
  EXPECT_NE(result.output.find("NOT ACCEPTED"), std::string::npos) << "rank 0 prints the summary";
  // A journal line for the hung step too: the record survives even a report that could not be written.
  EXPECT_NE(ReadFile(out + "/journal/" + LocalHostname() + "-r0.jsonl").find("\"timeout\""), std::string::npos);
}

TEST(MpiHarness, AHungGroupStepOfARunWithoutMpirunEndsWithItsReportAndSummary) {
  // No launcher: one process, its group probe on the main thread; the watch ends it the same way.
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string suite = dir.Write("stall.xml", R"(<suite name="stall"><phase name="group"><step probe="stall" timeout="2s">
    <param name="duration" value="1h"/><param name="only_on" value=")" + LocalHostname() + R"("/>
    <param name="ignore_stop" value="true"/></step></phase></suite>)");
  auto result = RunCommand({testing::KilnBinary(), "run", "--suite", suite, "--baseline",
                            SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out},
                           120);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("NOT ACCEPTED"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("report written to"), std::string::npos) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  ExpectEndedByTheWatchdog(report, "step 1/1 (group/stall)");
  ASSERT_EQ(report["steps"][0]["results"].size(), 1u);
  EXPECT_EQ(report["steps"][0]["results"][0]["status"], "timeout");
}

TEST(MpiHarness, AFrozenRankIsNamedByRankZeroWhichWritesTheReportAndEndsTheJob) {
  // A node whose kiln is frozen (SIGSTOP, as a node stuck in the kernel) never sends its results: rank 0, waiting
  // for them, knows exactly who is missing, and names that rank and node.
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string suite = dir.Write("freeze.xml", R"(<suite name="freeze">
  <phase name="health"><step probe="sleep" timeout="4s"><param name="duration" value="2s"/></step></phase>
  <phase name="node"><step probe="sleep" timeout="30s"><param name="duration" value="10ms"/></step></phase>
</suite>)");
  std::vector<std::string> argv = Mpirun(4, {"run", "--rank-as-node", "--quiet", "--suite", suite, "--baseline",
                                             SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out});
  pid_t pid = Spawn(argv);
  ASSERT_GT(pid, 0);
  pid_t frozen = -1;
  for (int i = 0; i < 300 && (frozen < 0 || !std::filesystem::exists(out + "/journal")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (frozen < 0) frozen = FindRank(out, 2);
  }
  if (frozen < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    FAIL() << "rank 2 not found";
  }
  ::kill(frozen, SIGSTOP);  // during the 2 s sleep of the first step
  auto started = std::chrono::steady_clock::now();
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(90)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (waited == 0) {  // still running: clean up, then fail
    ::kill(frozen, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "the job with a frozen rank did not end within 90 s";
  }
  ::kill(frozen, SIGKILL);  // mpirun may have left the stopped process behind
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json"));
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  std::string frozen_node = LocalHostname() + "-r2";
  int named = 0;
  for (const auto& r : report["steps"][0]["results"]) {
    if (r["status"] == "timeout") {
      ++named;
      EXPECT_EQ(r["node"], frozen_node) << r;
      EXPECT_EQ(r["rank"], 2) << r;
      EXPECT_NE(r["reason"].get<std::string>().find("no result from rank 2 (node " + frozen_node + ")"),
                std::string::npos) << r;
    } else {
      EXPECT_EQ(r["status"], "measured") << r;
    }
  }
  EXPECT_EQ(named, 1) << report["steps"][0];
  EXPECT_EQ(report["steps"][0]["results"].size(), 4u);
  ExpectEndedByTheWatchdog(report, "step 1/2 (health/sleep)");
}

// The report of a run stopped by a signal: a "run" verdict says so, and nothing is accepted.
void ExpectStoppedBySignal(const nlohmann::json& report) {
  bool interrupted = false;
  for (const auto& v : report["verdicts"]) {
    interrupted = interrupted || (v["probe"] == "run" && v["reason"].get<std::string>().find("stopped by a signal") == 0);
  }
  EXPECT_TRUE(interrupted) << report["verdicts"].dump(2);
  EXPECT_EQ(report["summary"]["accepted"], false);
}

TEST(MpiHarness, SigtermToMpirunStillLeavesTheReportOfWhatWasDone) {
  // mpirun forwards SIGTERM to its ranks and kills them moments later: a node step must stop at once on every
  // rank, so that they agree and rank 0 writes the report in those moments.
  testing::TempDir dir;
  std::string suite = dir.Write("s.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\">"
                                         "<step probe=\"sleep\" timeout=\"60s\"><param name=\"duration\" value=\"20s\"/></step>"
                                         "<step probe=\"sleep\" timeout=\"60s\"><param name=\"duration\" value=\"20s\"/></step>"
                                         "</phase></suite>\n");
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> argv = Mpirun(2, {"run", "--rank-as-node", "--quiet", "--suite", suite, "--baseline",
                                             SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out});
  pid_t pid = Spawn(argv);
  ASSERT_GT(pid, 0);
  // Wait until the ranks are in the first step (the journal folder exists), then stop the job as a scheduler would.
  for (int i = 0; i < 300 && !std::filesystem::exists(out + "/journal"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << "no report after SIGTERM to mpirun";
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  ExpectStoppedBySignal(report);
}

TEST(MpiHarness, SigtermDuringAGroupStepStillLeavesTheReportOfTheStepsBefore) {
  // A group step is not cut short by a signal (its ranks are inside collectives together), and mpirun kills them
  // moments after forwarding SIGTERM: rank 0 must write what the earlier steps measured at once.
  testing::TempDir dir;
  std::string suite = dir.Write("s.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\">"
                                         "<step probe=\"sleep\" timeout=\"60s\"><param name=\"duration\" value=\"100ms\"/></step>"
                                         "</phase><phase name=\"group\"><step probe=\"mpi_allreduce\" timeout=\"120s\">"
                                         "<param name=\"sizes\" value=\"1MiB..64MiB\"/><param name=\"samples\" value=\"30\"/>"
                                         "<param name=\"sample_time\" value=\"2s\"/><param name=\"max_iterations\" value=\"100000000\"/>"
                                         "</step></phase></suite>\n");
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> argv = Mpirun(2, {"run", "--rank-as-node", "--suite", suite, "--baseline",
                                             SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out});
  std::string log = (dir.path() / "log").string();
  pid_t pid = Spawn(argv, log);
  ASSERT_GT(pid, 0);
  // Wait until the group step has started (rank 0 says so on stderr), then stop the job as a scheduler would.
  for (int i = 0; i < 600 && ReadFile(log).find("step 2/2: group/mpi_allreduce") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the sweep runs for tens of seconds
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << "no report after SIGTERM:\n" << ReadFile(log);
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  ExpectStoppedBySignal(report);
  int slept = 0;
  for (const auto& m : report["measurements"]) slept += m["metric"] == "diag.sleep.elapsed";
  EXPECT_EQ(slept, 2) << "the node step's measurements of both ranks are kept";
}

}  // namespace
}  // namespace kiln
