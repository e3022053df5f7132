// Live progress under mpirun: rank 0's heartbeat names the rank (and node) that holds the step up, from a state
// every rank sends outside MPI, and speaks at least every 10 s.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "core/files.hpp"
#include "core/hostname.hpp"
#include "tests/support/rank_processes.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::SourceDir;

// kiln run of `suite` on RANKS ranks standing in for nodes.
std::vector<std::string> RunOnRanks(int ranks, const std::string& suite, const std::string& out) {
  return testing::Mpirun(ranks, {"run", "--rank-as-node", "--suite", suite, "--baseline",
                                 SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out});
}

// The heartbeat lines of `step` ("  node/sleep: 5s of 16s on ...") in `output`.
std::vector<std::string> Heartbeats(const std::string& output, const std::string& step) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("kiln:   " + step + ": ", 0) == 0) lines.push_back(line);
  }
  return lines;
}

TEST(LiveProgress, TheHeartbeatNamesTheNodeStillInItsProbeWhileTheOthersWait) {
  // Rank 2's node sleeps until the step's timeout; the others are done at once and wait for it.
  testing::TempDir dir;
  std::string slow = LocalHostname() + "-r2";
  std::string suite = dir.Write("slow.xml", R"(<suite name="slow"><phase name="node"><step probe="sleep" timeout="16s">
    <param name="duration" value="1h"/><param name="only_on" value=")" + slow + R"("/></step></phase></suite>)");
  auto result = testing::RunCommand(RunOnRanks(3, suite, (dir.path() / "out").string()), 120);
  ASSERT_FALSE(result.timed_out) << result.output;
  std::vector<std::string> beats = Heartbeats(result.output, "node/sleep");
  // A line at least every 10 s: two or more in a step of 16 s (the old heartbeat gave one, at 10 s).
  EXPECT_GE(beats.size(), 2u) << result.output;
  bool named = false;
  for (const std::string& line : beats) {
    named = named || line.find("slowest: rank 2 on " + slow + ", in its probe for ") != std::string::npos;
    EXPECT_EQ(line.find("silent"), std::string::npos) << line;
  }
  EXPECT_TRUE(named) << result.output;
}

TEST(LiveProgress, AFrozenRankIsNamedSilentWhileTheOthersGoOn) {
  // Rank 2 is frozen (SIGSTOP) in a node step: it sends nothing more. Rank 0's heartbeat goes on and names it; the
  // watchdog ends the job later, as for any frozen rank.
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string log = (dir.path() / "stderr.txt").string();
  std::string suite = dir.Write("freeze.xml", R"(<suite name="freeze"><phase name="node"><step probe="sleep"
    timeout="20s"><param name="duration" value="3s"/></step></phase></suite>)");
  pid_t pid = testing::Spawn(RunOnRanks(3, suite, out), log);
  ASSERT_GT(pid, 0);
  pid_t frozen = -1;
  for (int i = 0; i < 300 && (frozen < 0 || !std::filesystem::exists(out + "/journal")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (frozen < 0) frozen = testing::FindRank(out, 2);
  }
  if (frozen >= 0) ::kill(frozen, SIGSTOP);  // during the step's 3 s sleep
  auto started = std::chrono::steady_clock::now();
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(90)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (frozen >= 0) ::kill(frozen, SIGKILL);  // mpirun may have left the stopped process behind
  if (waited == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_GE(frozen, 0) << "rank 2 not found";
  ASSERT_NE(waited, 0) << "the job with a frozen rank did not end within 90 s";
  std::string output = ReadFile(log);
  std::string node = LocalHostname() + "-r2";
  bool named = false;
  for (const std::string& line : Heartbeats(output, "node/sleep")) {
    named = named || line.find("silent: rank 2 on " + node + " (") != std::string::npos;
    EXPECT_EQ(line.find("rank 1 on"), std::string::npos) << line;
  }
  EXPECT_TRUE(named) << output;
}

}  // namespace
}  // namespace kiln
