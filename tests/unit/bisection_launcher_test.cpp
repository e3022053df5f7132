// The launching executor against a stand-in `mpirun` (a script first in PATH): how each way a job can end
// becomes a trial outcome, and a signal stops a round at once.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/files.hpp"
#include "reports/report.hpp"
#include "bisection/launcher.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The stand-in finds --out among its arguments and behaves as FAKE_MODE says.
    dir_.Write("bin/mpirun",
               "#!/bin/sh\n"
               "case \" $* \" in\n"  // a host asked alone: "down" refuses, every other answers
               "  *' --host down '*) echo 'ssh: connect to host down port 22: Connection refused'; exit 255 ;;\n"
               "  *' --host '*) echo \"$*\" >> \"$FAKE_ASKED\"; exit 0 ;;\n"
               "esac\n"
               "out=\n"
               "while [ $# -gt 0 ]; do [ \"$1\" = --out ] && out=$2; shift; done\n"
               "case $FAKE_MODE in\n"
               "  hang) exec sleep 60 ;;\n"
               "  deaf) trap '' INT; sleep 60 ;;\n"
               "  crash) echo 'rank 1 died: segmentation fault'; exit 139 ;;\n"
               "  report) cp \"$FAKE_REPORT\" \"$out/report.json\" ;;\n"
               "esac\n");
    std::filesystem::permissions(dir_.path() / "bin/mpirun", std::filesystem::perms(0755));
    old_path_ = std::getenv("PATH");
    setenv("PATH", ((dir_.path() / "bin").string() + ":" + old_path_).c_str(), 1);
    options_.kiln_binary = "/bin/true";
    options_.baseline_path = "unused.xml";
    options_.hosts = {"a", "b", "c", "d"};
    options_.work_dir = (dir_.path() / "trials").string();
    options_.launch_slack_s = 1;
    options_.quiet = true;
    options_.steps[TrialKind::kPair] = {{"pair", "mpi_link", {}, 1}};
  }
  void TearDown() override { setenv("PATH", old_path_.c_str(), 1); }

  std::string Report(const std::string& outcome, const std::string& status) {
    RunRecord r;
    r.finished = "2026-11-23T00:00:00Z";
    for (const char* name : {"a", "b"}) {  // every reader refuses a report whose results name unlisted nodes
      NodeRecord node;
      node.name = name;
      r.nodes.push_back(node);
    }
    r.steps.push_back({"pair", "mpi_link", "s.xml:1", 1, {}, {{Subject::Pair("a", "b"), "a", 0, StepStatusFromString(status), "why", 1}}});
    Verdict v;
    v.probe = "mpi_link";
    v.metric = v.series = "mpi.link.bandwidth";
    v.subject = Subject::Pair("a", "b");
    v.outcome = outcome == "fail" ? Outcome::kFail : Outcome::kPass;
    v.reason = "0.01 GB/s < min 0.08";
    v.value = 0.01;
    r.verdicts.push_back(v);
    return dir_.Write("fake-report.json", BuildReport(r).dump());
  }

  testing::TempDir dir_;
  std::string old_path_;
  LauncherOptions options_;
};

TEST_F(LauncherTest, ReportHangAndCrashBecomeOutcomesWithReasons) {
  setenv("FAKE_MODE", "report", 1);
  setenv("FAKE_REPORT", Report("fail", "measured").c_str(), 1);
  LaunchingExecutor executor(options_);
  std::vector<TrialResult> failed = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].outcome, TrialOutcome::kFail);
  EXPECT_NE(failed[0].reason.find("0.01 GB/s < min 0.08"), std::string::npos) << failed[0].reason;
  ASSERT_TRUE(failed[0].value.has_value());
  EXPECT_DOUBLE_EQ(*failed[0].value, 0.01);
  EXPECT_EQ(ReadFile(options_.work_dir + "/round0000/trial00000/hosts"), "a\nb\n");
  EXPECT_NE(ReadFile(options_.work_dir + "/round0000/trial00000/suite.xml").find("probe=\"mpi_link\""), std::string::npos);
  nlohmann::json saved = nlohmann::json::parse(ReadFile(options_.work_dir + "/round0000/results.json"));
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0]["outcome"], "fail");
  EXPECT_EQ(saved[0]["hosts"], nlohmann::json({"a", "b"}));

  setenv("FAKE_REPORT", Report("pass", "timeout").c_str(), 1);  // a step that ran out of time inside the job
  EXPECT_EQ(executor.RunRound({{TrialKind::kPair, {2, 3}, 2}})[0].outcome, TrialOutcome::kHang);

  // The probe did not run (a group probe on one node): the baseline's "not measured" failure is no evidence.
  setenv("FAKE_REPORT", Report("fail", "skipped").c_str(), 1);
  TrialResult skipped = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}})[0];
  EXPECT_EQ(skipped.outcome, TrialOutcome::kSkipped);
  EXPECT_NE(skipped.reason.find("mpi_link did not run: why"), std::string::npos) << skipped.reason;

  setenv("FAKE_MODE", "crash", 1);
  TrialResult crash = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}})[0];
  EXPECT_EQ(crash.outcome, TrialOutcome::kCrash);
  EXPECT_NE(crash.reason.find("exit 139"), std::string::npos) << crash.reason;
  EXPECT_NE(crash.reason.find("segmentation fault"), std::string::npos) << crash.reason;

  setenv("FAKE_MODE", "hang", 1);
  auto start = std::chrono::steady_clock::now();
  std::vector<TrialResult> hung = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}, {TrialKind::kPair, {2, 3}, 2}});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // 1 s timeout + 1 s slack, both at once
  EXPECT_EQ(hung[0].outcome, TrialOutcome::kHang);
  EXPECT_EQ(hung[1].outcome, TrialOutcome::kHang);
  EXPECT_NE(hung[0].reason.find("no result within 2s"), std::string::npos) << hung[0].reason;
  EXPECT_NE(hung[0].reason.find("mpirun was interrupted and stopped the job"), std::string::npos) << hung[0].reason;
}

TEST_F(LauncherTest, AJobThatEndsWithoutAReportNamesItsHostThatDoesNotAnswerAndWhy) {
  // kiln bisect --hosts with a host no sshd listens on: its trials crash at mpirun's start. Each host of such a
  // trial is asked alone, once, and the reason names the one that does not answer in the launcher's words.
  setenv("FAKE_MODE", "crash", 1);
  setenv("FAKE_ASKED", (dir_.path() / "asked").c_str(), 1);
  options_.hosts = {"a", "down", "c", "d"};
  LaunchingExecutor executor(options_);
  std::vector<TrialResult> crashed = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}, {TrialKind::kPair, {2, 3}, 2}});
  EXPECT_EQ(crashed[0].outcome, TrialOutcome::kCrash);
  EXPECT_NE(crashed[0].reason.find("mpirun ended with exit 139 and no report: host down does not answer alone (mpirun "
                                   "--host down -np 1"), std::string::npos) << crashed[0].reason;
  EXPECT_NE(crashed[0].reason.find("true: mpirun: ssh: connect to host down port 22: Connection refused)"),
            std::string::npos) << crashed[0].reason;
  EXPECT_EQ(crashed[0].reason.find("host a "), std::string::npos) << crashed[0].reason;
  // Every host answers: the job's own last words.
  EXPECT_NE(crashed[1].reason.find("segmentation fault"), std::string::npos) << crashed[1].reason;
  EXPECT_EQ(crashed[1].reason.find("does not answer"), std::string::npos) << crashed[1].reason;
  executor.RunRound({{TrialKind::kPair, {1, 2}, 2}});  // asked before: not again
  std::string asked = ReadFile((dir_.path() / "asked").string());
  EXPECT_EQ(std::count(asked.begin(), asked.end(), '\n'), 3) << asked;  // a, c, d once each ("down" refused)
  unsetenv("FAKE_ASKED");
}

TEST_F(LauncherTest, ALauncherThatIgnoresTheInterruptIsKilledAndTheReasonSaysSo) {
  setenv("FAKE_MODE", "deaf", 1);
  options_.interrupt_grace_s = 1;
  auto start = std::chrono::steady_clock::now();
  TrialResult hung = LaunchingExecutor(options_).RunRound({{TrialKind::kPair, {0, 1}, 2}})[0];
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // 2 s + 1 s grace
  EXPECT_EQ(hung.outcome, TrialOutcome::kHang);
  EXPECT_NE(hung.reason.find("mpirun did not end within 1s of an interrupt and was killed"), std::string::npos)
      << hung.reason;
}

TEST_F(LauncherTest, CommandsForMpirunAndSrunNameTheTrialsHostsAndOneRankPerNode) {
  options_.launcher_args = {"--mca", "btl", "tcp,self"};
  std::vector<std::string> mpirun = LaunchingExecutor(options_).Command({"a", "b"}, "/t/r0/t1");
  std::vector<std::string> head(mpirun.begin(), mpirun.begin() + 7);
  EXPECT_EQ(head, (std::vector<std::string>{"mpirun", "--hostfile", "/t/r0/t1/hosts", "--map-by", "ppr:1:node",
                                            "--bind-to", "none"}));
  auto kiln = std::find(mpirun.begin(), mpirun.end(), "/bin/true");
  ASSERT_NE(kiln, mpirun.end());
  EXPECT_NE(std::search(mpirun.begin(), kiln, options_.launcher_args.begin(), options_.launcher_args.end()), kiln);
  std::vector<std::string> tail(kiln, mpirun.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"/bin/true", "run", "--suite", "/t/r0/t1/suite.xml", "--baseline",
                                            "unused.xml", "--out", "/t/r0/t1", "--quiet", "--hosts", "/t/r0/t1/hosts",
                                            "--cluster", "bisect"}));
  options_.launcher = &SrunLauncher();
  options_.launcher_args = {"--mpi=pmix"};
  std::vector<std::string> srun = LaunchingExecutor(options_).Command({"a", "b"}, "/t/r0/t1");
  std::vector<std::string> srun_head(srun.begin(), srun.begin() + 9);
  EXPECT_EQ(srun_head, (std::vector<std::string>{"srun", "--nodes", "2", "--ntasks-per-node", "1", "--nodelist",
                                                 "/t/r0/t1/hosts", "--kill-on-bad-exit=1", "--mpi=pmix"}));
}

TEST_F(LauncherTest, ATrialsSrunGetsItsOwnHostsAsTheJobsNodeListInTheAllocationsOrder) {
  // Slurm 22.05's PMIx plugin looks a step's node up in the job's list (the step's SLURM_JOB_NODELIST): a pair
  // trial on part of the allocation hung. The stand-in srun writes what it was given into the trial's folder.
  dir_.Write("bin/srun",
             "#!/bin/sh\n"
             "out=\n"
             "while [ $# -gt 0 ]; do [ \"$1\" = --out ] && out=$2; shift; done\n"
             "echo \"$SLURM_JOB_NODELIST $SLURM_NODELIST\" > \"$out/nodelist\"\n");
  std::filesystem::permissions(dir_.path() / "bin/srun", std::filesystem::perms(0755));
  options_.launcher = &SrunLauncher();
  options_.hosts = {"h4", "h2", "h3", "x1"};
  setenv("SLURM_JOB_NODELIST", "h[1-4]", 1);
  LaunchingExecutor executor(options_);
  executor.RunRound({{TrialKind::kPair, {0, 2}, 2}, {TrialKind::kPair, {1, 2}, 2}, {TrialKind::kPair, {0, 3}, 2}});
  EXPECT_EQ(ReadFile(options_.work_dir + "/round0000/trial00000/nodelist"), "h[3-4] h[3-4]\n");
  EXPECT_EQ(ReadFile(options_.work_dir + "/round0000/trial00001/nodelist"), "h[2-3] h[2-3]\n");
  // x1 is not in the allocation: the variables stay the allocation's, and srun says what is wrong.
  EXPECT_EQ(ReadFile(options_.work_dir + "/round0000/trial00002/nodelist"), "h[1-4] \n");
  unsetenv("SLURM_JOB_NODELIST");
  EXPECT_TRUE(executor.Environment({"h2", "h3"}, "/t").empty());
  options_.launcher = &MpirunLauncher();
  setenv("SLURM_JOB_NODELIST", "h[1-4]", 1);
  EXPECT_TRUE(LaunchingExecutor(options_).Environment({"h2", "h3"}, "/t").empty());
  unsetenv("SLURM_JOB_NODELIST");
}

TEST_F(LauncherTest, ASignalStopsTheRoundAndSkipsEveryLaterTrial) {
  setenv("FAKE_MODE", "hang", 1);
  std::atomic<bool> interrupted{false};
  options_.interrupted = &interrupted;
  options_.steps[TrialKind::kPair].front().timeout_s = 60;
  LaunchingExecutor executor(options_);
  std::thread signal([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    interrupted = true;
  });
  auto start = std::chrono::steady_clock::now();
  std::vector<TrialResult> results = executor.RunRound({{TrialKind::kPair, {0, 1}, 2}});
  signal.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(results[0].outcome, TrialOutcome::kSkipped);
  EXPECT_TRUE(executor.interrupted());
  EXPECT_EQ(executor.RunRound({{TrialKind::kPair, {2, 3}, 2}})[0].outcome, TrialOutcome::kSkipped);
}

}  // namespace
}  // namespace kiln
