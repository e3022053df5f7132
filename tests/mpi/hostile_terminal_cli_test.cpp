// Hostile inputs of issue 25, through the kiln binary: what reaches the terminal, a hostfile mpirun would refuse,
// a dropped ssh session, and kiln schedule's paths and text. One test per bug, named after it (the library side
// is tests/unit/hostile_terminal_test.cpp).

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::RunKiln;
using testing::SourceDir;

bool HasEscape(const std::string& text) { return text.find('\x1b') != std::string::npos; }

// `kiln ARGS...` run in folder `cwd`.
testing::CommandResult RunKilnIn(const std::string& cwd, std::vector<std::string> args) {
  args.insert(args.begin(), {"sh", "-c", "cd \"$0\" && exec \"$@\"", cwd, testing::KilnBinary()});
  return RunCommand(args, 120);
}

std::string SleepSuite(const testing::TempDir& dir, const std::string& duration) {
  return dir.Write("sleep.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\"><step probe=\"sleep\" "
                                "timeout=\"120s\"><param name=\"duration\" value=\"" + duration + "\"/></step>"
                                "</phase></suite>\n");
}

TEST(HostileTerminalCli, Bug17_NoControlCharacterReachesTheTerminal) {
  testing::TempDir dir;
  // kiln report --format md on stdout, of a report whose node and cluster names clear the screen.
  std::string text = ReadFile(SourceDir() + "/tests/fixtures/real/h100-x1.json");
  // The node renamed wherever it appears (a report must list every node its measurements name).
  for (std::size_t at = text.find("\"vm\""); at != std::string::npos; at = text.find("\"vm\"", at + 1)) {
    text.replace(at, 4, "\"vm\\u001b[2J\"");
  }
  nlohmann::json report = nlohmann::json::parse(text);
  report["cluster"]["name"] = "c\x1b[2J";
  std::string path = dir.Write("report.json", report.dump());
  auto md = RunKiln({"report", "--format", "md", path});
  EXPECT_EQ(md.exit_code, 0) << md.output;
  EXPECT_FALSE(HasEscape(md.output)) << md.output.substr(0, 400);
  EXPECT_NE(md.output.find("c\\x1b[2J"), std::string::npos) << md.output.substr(0, 400);

  // The hostfile's error names the host, escaped.
  std::string hosts = dir.Write("hosts", "vm\x1b[2J\n");
  auto run = RunKiln({"run", "--quiet", "--hosts", hosts, "--out", (dir.path() / "out").string()});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_FALSE(HasEscape(run.output)) << run.output;
  EXPECT_NE(run.output.find(hosts + ":1: host 'vm\\x1b[2J'"), std::string::npos) << run.output;

  // Errors that quote an argument (kiln's own and the command-line parser's) are escaped in main.
  auto schedule = RunKiln({"schedule", "--kind", "systemd\x1b[2J", "--out", "/x", "--reports", "/y"});
  EXPECT_EQ(schedule.exit_code, 2) << schedule.output;
  EXPECT_FALSE(HasEscape(schedule.output)) << schedule.output;
  auto suite = RunKiln({"run", "--suite", "/nonexistent/\x1b[2J.xml", "--out", (dir.path() / "o2").string()});
  EXPECT_EQ(suite.exit_code, 2) << suite.output;
  EXPECT_FALSE(HasEscape(suite.output)) << suite.output;
}

TEST(HostileTerminalCli, Bug18_RunRefusesAHostfileMpirunWouldRefuseAtOnce) {
  // Each of these passed Kiln's check, then mpirun exited 255 or 1 and no report was written.
  testing::TempDir dir;
  for (const auto& [content, expected] : std::vector<std::pair<std::string, std::string>>{
           {"node1\na_b\n", ":2: host 'a_b' holds '_'"},
           {"node1\r\n", ":1: carriage return"},
           {"[::1]\n", ":1: host '[::1]' is an IPv6 address"},
           {"vm\nVM\n", ":2: host 'VM' is listed twice"},
           {std::string(254, 'a') + "\n", ":1: host '" + std::string(64, 'a') + "... (254 characters)' is longer"}}) {
    std::string hosts = dir.Write("hosts", content);
    std::string out = (dir.path() / "out").string();
    auto run = RunKiln({"run", "--quiet", "--hosts", hosts, "--out", out}, 60);
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find(hosts + expected), std::string::npos) << run.output;
    // Refused before launching: Kiln's one line, no banner of mpirun's.
    EXPECT_EQ(run.output.rfind("kiln: error: ", 0), 0u) << run.output;
    EXPECT_EQ(run.output.find("-----"), std::string::npos) << run.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
  }
}

TEST(HostileTerminalCli, Bug23_SighupFromADroppedTerminalStillLeavesTheReport) {
  // An ssh session that drops hangs up the terminal: its session leader gets SIGHUP and later writes to the
  // terminal fail. A single-process run in a pseudo-terminal whose master is closed mid-step must still stop
  // cleanly, as for SIGINT/SIGTERM: a report of what was done, exit 1 (not killed, not an I/O error).
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> argv = {testing::KilnBinary(), "run", "--suite", SleepSuite(dir, "60s"), "--baseline",
                                   SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out};
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  // Read what it prints (a full terminal would block it) until the step has started: its journal exists.
  std::string printed;
  auto drain = [&](int ms) {
    pollfd p{master, POLLIN, 0};
    char buffer[4096];
    if (::poll(&p, 1, ms) > 0) {
      ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n > 0) printed.append(buffer, static_cast<std::size_t>(n));
    }
  };
  for (int i = 0; i < 600 && !std::filesystem::exists(out + "/journal"); ++i) drain(100);
  for (int i = 0; i < 10; ++i) drain(100);  // into the sleep
  ASSERT_TRUE(std::filesystem::exists(out + "/journal")) << printed;
  ::close(master);  // the session drops
  int status = 0;
  pid_t waited = 0;
  for (int i = 0; i < 600 && (waited = ::waitpid(pid, &status, WNOHANG)) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (waited == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "kiln run did not stop within 60 s of the hang-up";
  }
  ASSERT_FALSE(WIFSIGNALED(status)) << "killed by signal " << WTERMSIG(status);
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << "no report after SIGHUP";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  bool stopped = false;
  for (const auto& v : report["verdicts"]) {
    stopped = stopped || (v["probe"] == "run" && v["reason"].get<std::string>().find("stopped by a signal") == 0);
  }
  EXPECT_TRUE(stopped) << report["verdicts"].dump(2);
}

TEST(HostileTerminalCli, Bug27_ScheduleWritesAbsolutePathsAndRefusesWhatSystemdCannotRead) {
  // The units run in '/': relative paths are made absolute against the folder kiln schedule ran in.
  testing::TempDir dir;
  std::string here = dir.path().string();
  dir.Write("my-suite.xml", ReadFile(SourceDir() + "/tests/fixtures/suites/burnin_small.xml"));
  auto r = RunKilnIn(here, {"schedule", "--kind", "systemd", "--out", "sched", "--reports", "sweeps", "--history",
                            "db/history.db", "--hosts", "hosts", "--sign-key", "keys/kiln.key", "--suite",
                            "my-suite.xml", "--baseline", "cpu-host", "--cluster", "100% clust\xc3\xa9r"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string script = ReadFile(here + "/sched/kiln-sweep.sh");
  for (const std::string& path : std::vector<std::string>{here + "/sweeps'", here + "/db/history.db'", "--hosts '" + here + "/hosts'",
                                  "--sign-key '" + here + "/keys/kiln.key'", "--suite '" + here + "/my-suite.xml'",
                                  "--baseline 'cpu-host'"}) {
    EXPECT_NE(script.find(path), std::string::npos) << path << "\n" << script;
  }
  std::string service = ReadFile(here + "/sched/kiln-sweep.service");
  EXPECT_NE(service.find("ExecStart=" + here + "/sched/kiln-sweep.sh"), std::string::npos) << service;
  if (RunCommand({"sh", "-c", "command -v systemd-analyze"}, 10).exit_code == 0) {
    auto verify = RunCommand({"systemd-analyze", "verify", "--man=no", here + "/sched/kiln-sweep.service",
                              here + "/sched/kiln-sweep.timer"}, 60);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output, "") << "systemd-analyze has remarks";
  }
  // Text systemd cannot read (not UTF-8) is refused, exit 2, and nothing is written.
  auto bad = RunKilnIn(here, {"schedule", "--kind", "systemd", "--out", "bad", "--reports", "sweeps", "--suite",
                              "quick\xff"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--suite 'quick\\xff' is not UTF-8 text"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(here + "/bad"));
}

}  // namespace
}  // namespace kiln
