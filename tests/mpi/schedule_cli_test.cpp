// kiln schedule's files and the failing-node hook: systemd accepts the units (the sweep's and kiln watch's), the
// sweep script runs a sweep into the history, and no hostname or message can inject a command.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::SourceDir;

bool HaveProgram(const std::string& name) { return RunCommand({"sh", "-c", "command -v " + name}, 10).exit_code == 0; }

TEST(Schedule, SystemdUnitsPassSystemdAnalyzeAndTheSweepScriptRunsASweep) {
  testing::TempDir dir;
  std::string out = (dir.path() / "schedule").string(), reports = (dir.path() / "reports").string();
  std::string db = (dir.path() / "history.db").string();
  auto r = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out, "--reports", reports, "--history", db, "--every", "6h",
                 "--suite", SourceDir() + "/tests/fixtures/suites/burnin_small.xml", "--baseline",
                 SourceDir() + "/tests/fixtures/baselines/emulated.xml"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string timer = ReadFile(out + "/kiln-sweep.timer");
  EXPECT_NE(timer.find("OnCalendar=*-*-* 00/6:00:00"), std::string::npos) << timer;
  EXPECT_NE(ReadFile(out + "/kiln-sweep.service").find("ExecStart=" + out + "/kiln-sweep.sh"), std::string::npos);
  // The collector beside the sweeps, by default in systemd's state folder, named in the install line.
  std::string watch = ReadFile(out + "/kiln-watch.service");
  for (const std::string& line : std::vector<std::string>{"\nType=simple\n", "\nExecStart=" + testing::KilnBinary() +
                                  " watch --out /var/lib/kiln-watch --interval 60s\n", "\nRestart=on-failure\n",
                                  "\nStateDirectory=kiln-watch\n", "\nProtectSystem=strict\n"}) {
    EXPECT_NE(watch.find(line), std::string::npos) << line << "\n" << watch;
  }
  EXPECT_EQ(watch.find("\nPrivateDevices="), std::string::npos) << "NVML needs /dev/nvidia*";
  EXPECT_NE(r.output.find("/kiln-watch.service /etc/systemd/system/"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("enable --now kiln-sweep.timer kiln-watch.service"), std::string::npos) << r.output;
  if (HaveProgram("systemd-analyze")) {
    auto verify = RunCommand({"systemd-analyze", "verify", "--man=no", out + "/kiln-sweep.service", out + "/kiln-sweep.timer",
                              out + "/kiln-watch.service"}, 60);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output, "") << "systemd-analyze has remarks";
  } else {
    ADD_FAILURE() << "systemd-analyze is not installed (scripts/install-deps --test installs systemd)";
  }
  // What the timer would start: one sweep, its report in the reports folder and in the history.
  auto sweep = RunCommand({out + "/kiln-sweep.sh"}, 120);
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  std::vector<std::filesystem::path> runs;
  for (const auto& entry : std::filesystem::directory_iterator(reports)) runs.push_back(entry.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(runs[0] / "report.json"));
  auto history = testing::RunKiln({"history", "--db", db, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  EXPECT_FALSE(nlohmann::json::parse(history.output)["series"].empty());
}

TEST(Schedule, TheWatchUnitTakesItsFolderAndIntervalOrIsLeftOut) {
  testing::TempDir dir;
  std::string here = dir.path().string(), out = here + "/schedule";
  auto r = testing::RunCommand({"sh", "-c", "cd " + here + " && " + testing::KilnBinary() + " schedule --kind systemd "
                                "--out schedule --reports reports --watch-out watch --watch-interval 1s"}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string watch = ReadFile(out + "/kiln-watch.service");
  EXPECT_NE(watch.find(" watch --out " + here + "/watch --interval 1s\n"), std::string::npos) << watch;  // absolute
  EXPECT_NE(watch.find("\nReadWritePaths=" + here + "/watch\n"), std::string::npos) << watch;  // not under /var/lib
  EXPECT_EQ(watch.find("StateDirectory"), std::string::npos) << watch;
  // --no-watch: the sweep's units only, and an install line without the collector.
  std::string bare = here + "/bare";
  r = testing::RunKiln({"schedule", "--kind", "systemd", "--out", bare, "--reports", here + "/reports", "--no-watch"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(bare + "/kiln-watch.service"));
  EXPECT_TRUE(std::filesystem::exists(bare + "/kiln-sweep.service"));
  EXPECT_EQ(r.output.find("kiln-watch"), std::string::npos) << r.output;
  if (HaveProgram("systemd-analyze")) {
    auto verify = RunCommand({"systemd-analyze", "verify", "--man=no", out + "/kiln-watch.service"}, 60);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output, "") << "systemd-analyze has remarks";
  } else {
    GTEST_SKIP() << "systemd-analyze is not installed";
  }
}

TEST(Schedule, RefusesWatchOptionsThatCannotWork) {
  testing::TempDir dir;
  std::string out = (dir.path() / "s").string(), reports = (dir.path() / "r").string();
  for (const char* interval : {"soon", "1ms", "60 s", "0s"}) {
    auto r = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out, "--reports", reports, "--watch-interval", interval});
    EXPECT_EQ(r.exit_code, 2) << interval << ": " << r.output;
    EXPECT_NE(r.output.find("--watch-interval"), std::string::npos) << r.output;
  }
  auto spaced = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out, "--reports", reports, "--watch-out", "/var/lib/kiln watch"});
  EXPECT_EQ(spaced.exit_code, 2) << spaced.output;
  EXPECT_NE(spaced.output.find("--watch-out '/var/lib/kiln watch' must be an absolute path"), std::string::npos) << spaced.output;
  auto slurm = testing::RunKiln({"schedule", "--kind", "slurm", "--out", out, "--reports", reports, "--watch-interval", "1s"});
  EXPECT_EQ(slurm.exit_code, 2) << slurm.output;
  EXPECT_NE(slurm.output.find("--kind systemd"), std::string::npos) << slurm.output;
  auto both = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out, "--reports", reports, "--no-watch",
                                "--watch-out", "/var/lib/w"});
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Schedule, SlurmBatchScrontabAndDrainHook) {
  testing::TempDir dir;
  std::string out = (dir.path() / "schedule").string();
  auto r = testing::RunKiln({"schedule", "--kind", "slurm", "--out", out, "--reports", (dir.path() / "reports").string(),
                 "--nodes", "16", "--partition", "gpu", "--every", "daily", "--drain", "--cluster", "it's c1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string batch = ReadFile(out + "/kiln-sweep.sbatch");
  for (const char* line : {"#SBATCH --nodes=16\n", "#SBATCH --partition=gpu\n", "#SBATCH --exclusive\n",
                           "srun --mpi=pmix --ntasks-per-node=1 "}) {
    EXPECT_NE(batch.find(line), std::string::npos) << line << "\n" << batch;
  }
  EXPECT_NE(batch.find("--cluster 'it'\\''s c1'"), std::string::npos) << batch;  // quoted for sh
  EXPECT_NE(batch.find("--on-fail-node '" + out + "/kiln-drain-node.sh'"), std::string::npos) << batch;
  EXPECT_EQ(RunCommand({"sh", "-n", out + "/kiln-sweep.sbatch"}, 10).exit_code, 0);  // sh can parse it
  std::string scron = ReadFile(out + "/kiln-sweep.scrontab");
  EXPECT_NE(scron.find("#SCRON --nodes=16\n"), std::string::npos) << scron;
  EXPECT_NE(scron.find("\n0 3 * * * " + out + "/kiln-sweep.sbatch\n"), std::string::npos) << scron;

  // The drain hook with a stand-in scontrol that records its arguments, one per line.
  std::string bin = (dir.path() / "bin").string();
  std::string record = (dir.path() / "scontrol.args").string();
  dir.Write("bin/scontrol", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + record + "\n");
  std::filesystem::permissions(bin + "/scontrol", std::filesystem::perms(0755));
  std::string pwned = (dir.path() / "pwned").string();
  std::string reason = "bw 1 GB/s < min 20 $(touch " + pwned + "); `touch " + pwned + "` \"quoted\"";
  auto drain = RunCommand({out + "/kiln-drain-node.sh", "node07", reason}, 10, {"PATH=" + bin + ":/usr/bin:/bin"});
  ASSERT_EQ(drain.exit_code, 0) << drain.output;
  EXPECT_EQ(ReadFile(record), "update\nNodeName=node07\nState=DRAIN\nReason=kiln: " + reason + "\n");
  EXPECT_FALSE(std::filesystem::exists(pwned));
  auto refused = RunCommand({out + "/kiln-drain-node.sh", "node07;reboot", "x"}, 10, {"PATH=" + bin + ":/usr/bin:/bin"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.output.find("refusing node name"), std::string::npos) << refused.output;
}

TEST(Schedule, RefusesPathsAndValuesThatWouldNeedQuotingInUnitsOrCrontabs) {
  testing::TempDir dir;
  std::string out = (dir.path() / "s").string();
  auto spaced = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out + " x", "--reports", out});
  EXPECT_EQ(spaced.exit_code, 2);
  EXPECT_NE(spaced.output.find("--out '" + out + " x' must be an absolute path"), std::string::npos) << spaced.output;
  auto percent = testing::RunKiln({"schedule", "--kind", "slurm", "--out", out, "--reports", out + "/%j"});
  EXPECT_EQ(percent.exit_code, 2);
  auto newline = testing::RunKiln({"schedule", "--kind", "slurm", "--out", out, "--reports", out, "--partition", "gpu\n#SBATCH --x"});
  EXPECT_EQ(newline.exit_code, 2);
  auto every = testing::RunKiln({"schedule", "--kind", "slurm", "--out", out, "--reports", out, "--every", "7h"});
  EXPECT_EQ(every.exit_code, 2);
  EXPECT_NE(every.output.find("--every '7h'"), std::string::npos) << every.output;
  // A newline in a value that reaches the unit file would add a directive run as root when the timer fires.
  for (const char* option : {"--suite", "--baseline", "--hosts", "--cluster"}) {
    auto injected = testing::RunKiln({"schedule", "--kind", "systemd", "--out", out, "--reports", out, option,
                                      "quick\n[Service]\nExecStartPre=/bin/touch /tmp/kiln-pwned"});
    EXPECT_EQ(injected.exit_code, 2) << option << injected.output;
    EXPECT_NE(injected.output.find(std::string(option) + " must be one line"), std::string::npos) << injected.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(FailNodeHook, GetsTheFailingNodeAndReasonAsPlainArguments) {
  testing::TempDir dir;
  std::string pwned = (dir.path() / "pwned").string();
  // A baseline no host can meet, whose source text tries to run a command.
  std::string baseline = dir.Write("b.xml", "<baseline sku=\"x\" version=\"1\">\n"
                                            "  <expect metric=\"diag.sleep.elapsed\" rule=\"min\" value=\"100\" "
                                            "source=\"$(touch " + pwned + ")\"/>\n</baseline>\n");
  std::string suite = dir.Write("s.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\">"
                                         "<step probe=\"sleep\" timeout=\"10s\"><param name=\"duration\" value=\"10ms\"/>"
                                         "</step></phase></suite>\n");
  std::string record = (dir.path() / "hook.args").string();
  std::string hook = dir.Write("hook.sh", "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" \"$2\" \"$KILN_REPORT\" > " + record + "\n");
  std::filesystem::permissions(hook, std::filesystem::perms(0755));
  std::string out = (dir.path() / "out").string();
  auto r = testing::RunKiln({"run", "--quiet", "--suite", suite, "--baseline", baseline, "--out", out, "--on-fail-node", hook});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string args = ReadFile(record);
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  std::string node = report["cluster"]["nodes"][0]["name"];
  EXPECT_EQ(args.substr(0, args.find('\n', 2) + 1), "2\n" + node + "\n") << args;
  EXPECT_NE(args.find("diag.sleep.elapsed on " + node + ": "), std::string::npos) << args;
  EXPECT_NE(args.find("[$(touch " + pwned + ")]"), std::string::npos) << args;  // the text, not its effect
  EXPECT_NE(args.find(out + "/report.json"), std::string::npos) << args;
  EXPECT_FALSE(std::filesystem::exists(pwned));
}

}  // namespace
}  // namespace kiln
