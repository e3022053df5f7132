// kiln under `mpirun -np 4 --oversubscribe`, each rank standing in for a node: real measurements must
// arrive on rank 0 and be evaluated; a hung node must be reported without hanging the run.

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
using testing::RunCommand;
using testing::Spawn;
using testing::SourceDir;

std::vector<std::string> Mpirun(int ranks, std::vector<std::string> kiln_args) {
  std::vector<std::string> argv{"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", std::to_string(ranks),
                                "--bind-to", "none", testing::KilnBinary()};
  argv.insert(argv.end(), kiln_args.begin(), kiln_args.end());
  return argv;
}

TEST(MpiHarness, FourRanksMeasureEveryPhaseAndRankZeroEvaluates) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto result = RunCommand(Mpirun(4, {"run", "--rank-as-node", "--quiet", "--suite",
                                      SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--baseline",
                                      SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out}),
                           240);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_EQ(report["run"]["launcher"], "mpirun");
  EXPECT_EQ(report["run"]["ranks"], 4);
  ASSERT_EQ(report["cluster"]["nodes"].size(), 4u);

  std::set<std::string> stream_nodes, link_pairs;
  std::set<std::string> allreduce_sizes;
  for (const auto& m : report["measurements"]) {
    std::string metric = m["metric"];
    EXPECT_GT(m["summary"]["count"].get<int>(), 0);
    if (metric == "host.stream.triad_bw") stream_nodes.insert(m["subject"]["nodes"][0]);
    if (metric == "mpi.link.bandwidth") {
      link_pairs.insert(m["subject"]["nodes"][0].get<std::string>() + "+" + m["subject"]["nodes"][1].get<std::string>());
      EXPECT_GT(m["summary"]["median"].get<double>(), 0);
    }
    if (metric == "mpi.allreduce.busbw") {
      allreduce_sizes.insert(m["labels"]["size"]);
      EXPECT_EQ(m["subject"]["nodes"].size(), 4u);
      // The thread level the numbers were measured at (Open MPI locks every call above SINGLE).
      EXPECT_NE(m["method"].get<std::string>().find("MPI_THREAD_SINGLE"), std::string::npos) << m["method"];
    }
    if (metric == "mpi.allreduce.wrong_elements") {
      EXPECT_EQ(m["summary"]["median"], 0);
    }
  }
  EXPECT_EQ(stream_nodes.size(), 4u);
  EXPECT_EQ(link_pairs.size(), 6u);  // 4 nodes: every pair in 3 rounds
  EXPECT_EQ(allreduce_sizes.size(), 20u);  // 8B..4MiB
  int judged = 0, allreduce_checks = 0;
  for (const auto& v : report["verdicts"]) {
    if (v["outcome"] == "pass" && !v["metric"].get<std::string>().empty()) ++judged;
    if (v["metric"] == "mpi.allreduce.wrong_elements") ++allreduce_checks;
  }
  EXPECT_GE(judged, 4 * 4 + 6 + 1 + 1);  // stream floors, link floors, busbw floor, correctness
  EXPECT_EQ(allreduce_checks, 1);  // 20 sizes checked, one verdict
  // The journal kept each node's results as they arrived.
  for (const auto& node : report["cluster"]["nodes"]) {
    EXPECT_TRUE(std::filesystem::exists(out + "/journal/" + node["name"].get<std::string>() + ".jsonl"));
  }
}

TEST(MpiHarness, TheStrictThreadLevelIsAskedForOnRequestAndNamedInTheMethod) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string suite = dir.Write("s.xml", R"(<suite name="s"><phase name="group"><step probe="mpi_allreduce" timeout="60s">
    <param name="sizes" value="8B..1KiB"/><param name="samples" value="1"/></step></phase></suite>)");
  auto result = RunCommand(Mpirun(2, {"run", "--rank-as-node", "--quiet", "--mpi-thread-level", "funneled", "--suite",
                                      suite, "--baseline", SourceDir() + "/tests/fixtures/baselines/emulated.xml",
                                      "--out", out}),
                           120);
  ASSERT_FALSE(result.timed_out) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  int busbw = 0;
  for (const auto& m : report["measurements"]) {
    if (m["metric"] != "mpi.allreduce.busbw") continue;
    ++busbw;
    EXPECT_NE(m["method"].get<std::string>().find("MPI_THREAD_FUNNELED"), std::string::npos) << m["method"];
  }
  EXPECT_EQ(busbw, 8);  // 8B..1KiB
  auto refused = RunCommand({testing::KilnBinary(), "run", "--mpi-thread-level", "multiple", "--out", out + "2"}, 30);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("--mpi-thread-level"), std::string::npos) << refused.output;
}

TEST(MpiHarness, AllToAllMovesEveryPairsBlocksAndChecksEachAgainstItsSender) {
  testing::TempDir dir;
  std::string suite = dir.Write("alltoall.xml",
                                "<?xml version=\"1.0\"?>\n<suite name=\"a2a\" version=\"1\"><phase name=\"group\">"
                                "<step probe=\"mpi_alltoall\" timeout=\"60s\"><param name=\"sizes\" value=\"1KiB..1MiB\"/>"
                                "<param name=\"samples\" value=\"2\"/><param name=\"sample_time\" value=\"10ms\"/>"
                                "</step></phase></suite>\n");
  std::string out = (dir.path() / "out").string();
  auto result = RunCommand(Mpirun(3, {"run", "--rank-as-node", "--quiet", "--suite", suite, "--baseline",
                                      SourceDir() + "/baselines/cpu-host.xml", "--out", out}),
                           240);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  std::map<std::string, nlohmann::json> busbw, algbw;
  int checked = 0;
  for (const auto& m : report["measurements"]) {
    std::string size = m["labels"].value("size", "");
    if (m["metric"] == "mpi.alltoall.busbw") busbw[size] = m;
    if (m["metric"] == "mpi.alltoall.algbw") algbw[size] = m;
    if (m["metric"] == "mpi.alltoall.wrong_elements") {
      EXPECT_EQ(m["summary"]["median"], 0) << size;
      ++checked;
    }
  }
  EXPECT_EQ(busbw.size(), 11u);  // 1KiB..1MiB
  EXPECT_EQ(checked, 11);
  for (const auto& [size, m] : busbw) {
    EXPECT_EQ(m["subject"]["nodes"].size(), 3u);
    ASSERT_EQ(m["samples"].size(), algbw[size]["samples"].size());
    for (std::size_t i = 0; i < m["samples"].size(); ++i) {  // nccl-tests: busbw = algbw x (n-1)/n
      EXPECT_NEAR(m["samples"][i].get<double>(), algbw[size]["samples"][i].get<double>() * 2 / 3, 1e-9) << size;
    }
  }
}

TEST(MpiHarness, ASweepThatCannotFinishInTimeEndsMeasuredAndTheRunGoesOn) {
  // Each sample is one all-reduce of a small message and a wait of 1 s (the diagnostic parameter sample_pad), so
  // its length is known whatever the machine's speed or load (sizes that end fast on one machine and slow on
  // another made an earlier form of this test pass or fail with the machine). 1KiB's 3 samples take about 3 s of
  // the 8 s timeout; 2KiB, foreseen from them at 2 s per all-reduce for its warm-up and samples (10 s, 15 s with
  // the margin), cannot end in the 5 s left. The sweep stops there: it ends measured, with what it measured and
  // why (slow, not hung), instead of running into its timeout, and the next step runs.
  testing::TempDir dir;
  std::string suite = dir.Write("paced.xml",
                                "<?xml version=\"1.0\"?>\n<suite name=\"paced\" version=\"1\"><phase name=\"group\">"
                                "<step probe=\"mpi_allreduce\" timeout=\"8s\"><param name=\"sizes\" value=\"1KiB,2KiB\"/>"
                                "<param name=\"samples\" value=\"3\"/><param name=\"sample_time\" value=\"1ms\"/>"
                                "<param name=\"max_iterations\" value=\"1\"/><param name=\"sample_pad\" value=\"1s\"/></step>"
                                "<step probe=\"mpi_alltoall\" timeout=\"60s\"><param name=\"sizes\" value=\"1KiB\"/>"
                                "<param name=\"samples\" value=\"1\"/></step></phase></suite>\n");
  std::string out = (dir.path() / "out").string();
  auto result = RunCommand(Mpirun(2, {"run", "--rank-as-node", "--quiet", "--suite", suite, "--baseline",
                                      SourceDir() + "/baselines/cpu-host.xml", "--out", out}),
                           120);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  const nlohmann::json& paced = report["steps"][0]["results"][0];
  EXPECT_EQ(paced["status"], "measured") << paced;
  std::string reason = paced["reason"].get<std::string>();
  EXPECT_NE(reason.find("slow, not hung: 1 of 2 sizes measured before the step's timeout; size 2KiB would take "
                        "about "),  // 10 s and a little: 2 x (1 s and a little) x 5
            std::string::npos) << reason;
  EXPECT_NE(reason.find("s (5 all-reduce(s) at the least)"), std::string::npos) << reason;
  EXPECT_NE(reason.find("were left of the step's timeout"), std::string::npos) << reason;
  EXPECT_LT(paced["elapsed_s"].get<double>(), 8.0) << paced;  // within its timeout, not in the hang allowance
  std::map<std::string, std::size_t> samples;  // size -> samples taken
  for (const auto& m : report["measurements"]) {
    if (m["metric"] == "mpi.allreduce.busbw") samples[m["labels"].value("size", "")] = m["samples"].size();
  }
  EXPECT_EQ(samples["1KiB"], 3u) << reason;
  EXPECT_EQ(samples.count("2KiB"), 0u) << reason;  // not started: foreseen too long
  EXPECT_EQ(report["steps"][1]["results"][0]["status"], "measured") << report["steps"][1];
}

TEST(MpiHarness, AHungNodeIsReportedAsTimedOutAndTheRunFinishes) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string hung = LocalHostname() + "-r2";
  std::string suite = dir.Write("hang.xml", R"(<suite name="hang">
  <phase name="node">
    <step probe="sleep" timeout="2s">
      <param name="duration" value="1h"/>
      <param name="only_on" value=")" + hung + R"("/>
      <param name="ignore_stop" value="true"/>
    </step>
  </phase>
  <phase name="group">
    <step probe="mpi_allreduce" timeout="60s"><param name="sizes" value="8B..1KiB"/><param name="samples" value="1"/></step>
  </phase>
</suite>)");
  auto result = RunCommand(Mpirun(4, {"run", "--rank-as-node", "--quiet", "--suite", suite, "--baseline",
                                      SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out}),
                           120);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_LT(result.seconds, 90);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << result.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  int timeouts = 0;
  for (const auto& r : report["steps"][0]["results"]) {
    if (r["status"] == "timeout") {
      ++timeouts;
      EXPECT_EQ(r["node"], hung);
      EXPECT_NE(r["reason"].get<std::string>().find("on node " + hung), std::string::npos) << r;
    } else {
      EXPECT_EQ(r["status"], "measured") << r;
    }
  }
  EXPECT_EQ(timeouts, 1);
  // The later collective still ran, on every rank, after the hung probe was left behind.
  EXPECT_EQ(report["steps"][1]["results"][0]["status"], "measured") << report["steps"][1];
  EXPECT_NE(result.output.find("error"), std::string::npos);
}

// The "run" verdict of a job the watchdog ended; the steps after the hung one did not run.
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
