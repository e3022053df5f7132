// `kiln run --hosts` as the controller of mpirun, stopped by a signal sent to kiln's pid alone (a scheduler or
// `kill PID`, not a Ctrl-C that reaches the whole process group): the stop must reach mpirun and its ranks, the
// run must end soon with the report of what was done, and no rank may be left running.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "tests/support/rank_processes.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

// Processes other than `except` whose command line holds `marker` (a run's --out folder).
std::vector<pid_t> ProcessesWith(const std::string& marker, pid_t except) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline;
    try {
      cmdline = ReadFile(entry.path() / "cmdline");
    } catch (const std::exception&) {
      continue;
    }
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid != except && cmdline.find(marker) != std::string::npos) found.push_back(pid);
  }
  return found;
}

// Waits up to `seconds` for `pid` to end: its wait status, or nullopt (then it is still running).
std::optional<int> WaitFor(pid_t pid, int seconds) {
  int status = 0;
  for (int i = 0; i < seconds * 10; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

void StopTheControllerMidStep(int signal) {
  testing::TempDir dir;
  std::string hosts = dir.Write("hosts", "localhost\n");
  // Two steps of two minutes each: a stop that does not reach the ranks leaves them sleeping well past the wait.
  std::string suite = dir.Write("s.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\">"
                                         "<step probe=\"sleep\" timeout=\"300s\"><param name=\"duration\" value=\"120s\"/></step>"
                                         "<step probe=\"sleep\" timeout=\"300s\"><param name=\"duration\" value=\"120s\"/></step>"
                                         "</phase></suite>\n");
  std::string out = (dir.path() / "out").string();
  std::string log = (dir.path() / "log").string();
  pid_t pid = testing::Spawn({testing::KilnBinary(), "run", "--quiet", "--hosts", hosts, "--suite", suite,
                              "--baseline", testing::SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out},
                             log);
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 600 && !std::filesystem::exists(out + "/journal"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(std::filesystem::exists(out + "/journal")) << ReadFile(log);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // into the first sleep
  ::kill(pid, signal);
  std::optional<int> status = WaitFor(pid, 60);
  if (!status) {
    for (pid_t left : ProcessesWith(out, -1)) ::kill(left, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    FAIL() << "kiln run --hosts did not end within 60 s of signal " << signal << ":\n" << ReadFile(log);
  }
  EXPECT_FALSE(WIFSIGNALED(*status)) << "killed by signal " << WTERMSIG(*status);
  // mpirun waits for its ranks: none may outlive the controller.
  std::vector<pid_t> left = ProcessesWith(out, -1);
  for (pid_t p : left) ::kill(p, SIGKILL);
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the run left after kiln ended";
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << "no report after the stop:\n" << ReadFile(log);
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  bool stopped = false;
  for (const auto& v : report["verdicts"]) {
    stopped = stopped || (v["probe"] == "run" && v["reason"].get<std::string>().find("stopped by a signal") == 0);
  }
  EXPECT_TRUE(stopped) << report["verdicts"].dump(2);
  EXPECT_EQ(report["summary"]["accepted"], false);
  EXPECT_NE(ReadFile(log).find("kiln: stopping: mpirun (pid "), std::string::npos) << ReadFile(log);
}

TEST(ControllerStopCli, SigtermToKilnReachesMpirunAndLeavesTheReportOfWhatWasDone) { StopTheControllerMidStep(SIGTERM); }

TEST(ControllerStopCli, SigintToKilnAloneReachesMpirunToo) { StopTheControllerMidStep(SIGINT); }

}  // namespace
}  // namespace kiln
