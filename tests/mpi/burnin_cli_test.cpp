// Burn-in through the kiln binary: a killed burn-in resumes without losing or repeating an iteration; a
// signalled one stops cleanly with a valid partial report; folders are not mixed up.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace kiln {
namespace {

using testing::KilnBinary;
using testing::SourceDir;

std::vector<std::string> BurnIn(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> argv{KilnBinary(), "run", "--quiet", "--suite",
                                SourceDir() + "/tests/fixtures/suites/burnin_small.xml", "--baseline",
                                SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// Starts a process with its output in `log`; the test signals it itself.
pid_t Start(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool WaitForLines(const std::string& path, std::size_t count, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (Lines(path).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(BurnIn, KilledRunResumesWithoutLosingOrRepeatingAnIteration) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string journal = out + "/burnin/iterations.jsonl";
  pid_t pid = Start(BurnIn(out, {"--duration", "8s"}), (dir.path() / "first.log").string());
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForLines(journal, 3, 60)) << ReadFile((dir.path() / "first.log").string());
  ::kill(pid, SIGKILL);  // a crash: no handler, no report
  Wait(pid);
  std::vector<std::string> before = Lines(journal);
  ASSERT_GE(before.size(), 3u);

  auto resumed = testing::RunCommand(BurnIn(out, {"--resume"}), 120);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  std::vector<std::string> after = Lines(journal);
  ASSERT_GT(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << "line " << i + 1 << " changed";
  double last_elapsed = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    auto line = nlohmann::json::parse(after[i]);
    EXPECT_EQ(line["iteration"], i + 1);  // none missing, none twice
    EXPECT_GT(line["elapsed_s"].get<double>(), last_elapsed);
    last_elapsed = line["elapsed_s"].get<double>();
  }
  auto report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_EQ(report["burnin"]["iterations"], after.size());
  EXPECT_EQ(report["burnin"]["resumed"], 1);
  EXPECT_TRUE(report["burnin"]["completed"].get<bool>());
  EXPECT_GE(report["burnin"]["elapsed_s"].get<double>(), 8.0);
  EXPECT_LT(report["burnin"]["elapsed_s"].get<double>(), 8.0 + 10);  // the killed time is not counted twice
  for (const auto& s : report["burnin"]["series"]) EXPECT_EQ(s["count"], after.size()) << s["series"];
}

TEST(BurnIn, ATornLastLineIsCutSoThatEveryLaterResumeWorks) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto first = testing::RunCommand(BurnIn(out, {"--duration", "1s"}), 60);
  ASSERT_TRUE(first.exit_code == 0 || first.exit_code == 1) << first.output;
  std::string journal = out + "/burnin/iterations.jsonl";
  std::size_t finished = Lines(journal).size();
  ASSERT_GE(finished, 1u);
  std::ofstream(journal, std::ios::app) << R"({"iteration": )" << finished + 1 << R"(, "finished": "2026-11)";  // killed mid-write
  for (int resume = 0; resume < 2; ++resume) {
    auto again = testing::RunCommand(BurnIn(out, {"--duration", "2s", "--resume"}), 60);
    ASSERT_TRUE(again.exit_code == 0 || again.exit_code == 1) << "resume " << resume << ": " << again.output;
  }
  std::vector<std::string> lines = Lines(journal);
  ASSERT_GT(lines.size(), finished);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json line = nlohmann::json::parse(lines[i]);  // every line whole
    EXPECT_EQ(line["iteration"], i + 1);
  }
}

TEST(BurnIn, SigtermStopsCleanlyWithAValidPartialReport) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string log = (dir.path() / "run.log").string();
  pid_t pid = Start(BurnIn(out, {"--duration", "10m"}), log);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForLines(out + "/burnin/iterations.jsonl", 2, 60)) << ReadFile(log);
  ::kill(pid, SIGTERM);
  int exit_code = Wait(pid);
  EXPECT_EQ(exit_code, 1) << ReadFile(log);
  auto report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_EQ(report["summary"]["outcome"], "error");
  EXPECT_FALSE(report["burnin"]["completed"].get<bool>());
  EXPECT_NE(report["burnin"]["interrupted"].get<std::string>().find("stopped by a signal"), std::string::npos);
  EXPECT_GE(report["burnin"]["iterations"].get<int>(), 2);
  bool named = false;
  for (const auto& v : report["verdicts"]) {
    named = named || (v["probe"] == "run" && v["reason"].get<std::string>().find("--resume") != std::string::npos);
  }
  EXPECT_TRUE(named) << report["verdicts"].dump();
  EXPECT_TRUE(std::filesystem::exists(out + "/report.html"));
}

TEST(BurnIn, LoopsUnderMpirunWithEveryRankInStep) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> argv{"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "3", "--bind-to", "none"};
  for (const std::string& a : BurnIn(out, {"--rank-as-node", "--duration", "3s"})) argv.push_back(a);
  auto r = testing::RunCommand(argv, 180);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  int iterations = report["burnin"]["iterations"];
  // It loops while time is left: another iteration began after every one that ended before the 3 s were up, and
  // none after (a loaded machine may need one iteration for the whole duration; the rule holds either way).
  std::vector<std::string> lines = Lines(out + "/burnin/iterations.jsonl");
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(iterations));
  ASSERT_GE(iterations, 1);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    double elapsed = nlohmann::json::parse(lines[i])["elapsed_s"].get<double>();
    if (i + 1 < lines.size()) {
      EXPECT_LT(elapsed, 3.0) << "iteration " << i + 1 << " ended after the duration";
    } else {
      EXPECT_GE(elapsed, 3.0) << "the loop stopped with time left";
    }
  }
  // Every node's series has one value per iteration: all ranks ran every iteration.
  int per_node = 0;
  for (const auto& s : report["burnin"]["series"]) {
    if (s["series"].get<std::string>().rfind("diag.sleep.elapsed@", 0) == 0) {
      EXPECT_EQ(s["count"], iterations) << s["series"];
      ++per_node;
    }
  }
  EXPECT_EQ(per_node, 3);
}

TEST(BurnIn, FreshRunRefusesAFolderWithABurnInAndResumeNeedsOne) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto first = testing::RunCommand(BurnIn(out, {"--duration", "1s"}), 60);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto again = testing::RunCommand(BurnIn(out, {"--duration", "1s"}), 60);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("already holds a burn-in"), std::string::npos) << again.output;
  auto nothing = testing::RunCommand(BurnIn((dir.path() / "empty").string(), {"--resume"}), 60);
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.output.find("holds no burn-in"), std::string::npos) << nothing.output;
  auto bad = testing::RunCommand(BurnIn(out, {"--duration", "forever"}), 60);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--duration 'forever'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace kiln
