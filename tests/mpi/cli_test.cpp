// The kiln binary's contract: exit codes and messages that name the file, line or value at fault.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;
using testing::SourceDir;

TEST(Cli, ListsProbesSuitesAndBaselines) {
  auto probes = testing::RunKiln({"list", "probes"});
  EXPECT_EQ(probes.exit_code, 0);
  for (const char* name : {"health", "host_stream", "mpi_allreduce", "mpi_link"}) {
    EXPECT_NE(probes.output.find(name), std::string::npos) << name;
  }
  EXPECT_NE(testing::RunKiln({"list", "suites"}).output.find("quick"), std::string::npos);
  EXPECT_NE(testing::RunKiln({"list", "baselines"}).output.find("cpu-host"), std::string::npos);
}

TEST(Cli, BadSuiteFileExitsTwoNamingFileAndLine) {
  testing::TempDir dir;
  std::string suite = dir.Write("bad.xml", "<suite name=\"x\">\n  <phase name=\"node\">\n    <step probe=\"nope\"/>\n  </phase>\n</suite>\n");
  auto r = testing::RunKiln({"run", "--suite", suite, "--out", (dir.path() / "o").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(suite + ":3: unknown probe 'nope'"), std::string::npos) << r.output;
}

TEST(Cli, MalformedXmlAndUnknownBaselineExitTwo) {
  testing::TempDir dir;
  std::string broken = dir.Write("broken.xml", "<suite name=\"x\">\n<phase name=\"node\">\n</suite>\n");
  auto r = testing::RunKiln({"run", "--suite", broken});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("malformed XML"), std::string::npos) << r.output;
  auto b = testing::RunKiln({"run", "--baseline", "no-such-sku"});
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.output.find("no baselines named 'no-such-sku'"), std::string::npos) << b.output;
}

TEST(Cli, HostfileWithADuplicateExitsTwo) {
  testing::TempDir dir;
  std::string hosts = dir.Write("hosts", "127.0.0.1\nlocalhost slots=2\n127.0.0.1\n");
  auto r = testing::RunKiln({"run", "--hosts", hosts});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(hosts + ":3: host '127.0.0.1' is listed twice"), std::string::npos) << r.output;
}

TEST(Cli, UnknownOptionAndUnreadableReportExitTwo) {
  EXPECT_EQ(testing::RunKiln({"run", "--frobnicate"}).exit_code, 2);
  EXPECT_EQ(testing::RunKiln({"report", "/nonexistent/report.json"}).exit_code, 2);
  EXPECT_EQ(testing::RunKiln({}).exit_code, 2);
}

TEST(Cli, UnwritableOutputExitsThree) {
  auto r = testing::RunKiln({"run", "--suite", SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--out", "/proc/kiln-no"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("/proc/kiln-no"), std::string::npos) << r.output;
}

TEST(Cli, SingleProcessRunWritesAReportAndRendersIt) {
  testing::TempDir dir;
  std::string out = (dir.path() / "o").string();
  auto r = testing::RunKiln({"run", "--quiet", "--suite", SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--out", out});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("report written to " + out + "/report.json"), std::string::npos);
  auto text = testing::RunKiln({"report", out + "/report.json", "--format", "text"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("suite mpi-small"), std::string::npos) << text.output;
  auto unknown = testing::RunKiln({"report", out + "/report.json", "--format", "pdf"});
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(Cli, RunWritesEveryRenderingAndTheChainVerifies) {
  testing::TempDir dir;
  std::string keys = (dir.path() / "keys").string();
  std::string chain = (dir.path() / "chain").string();
  ASSERT_EQ(testing::RunKiln({"keygen", "--out", keys}).exit_code, 0);
  for (int i = 0; i < 2; ++i) {
    std::string out = (dir.path() / (i == 0 ? "o0" : "o1")).string();
    auto r = testing::RunKiln({"run", "--quiet", "--suite", SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--out", out,
                   "--sign-key", keys + "/kiln.key", "--chain", chain});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* file : {"report.json", "report.json.minisig", "report.html", "junit.xml", "metrics.prom"}) {
      EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
    }
  }
  auto ok = testing::RunKiln({"verify", "--pubkey", keys + "/kiln.pub", "--chain", chain});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("2 report(s)"), std::string::npos) << ok.output;
  for (const auto& entry : std::filesystem::directory_iterator(chain)) {
    if (entry.path().filename().string().rfind("000001-", 0) == 0) std::filesystem::remove(entry.path());
  }
  auto broken = testing::RunKiln({"verify", "--pubkey", keys + "/kiln.pub", "--chain", chain});
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("report number 000001 is missing"), std::string::npos) << broken.output;
  for (const char* format : {"html", "junit", "prom", "md"}) {
    EXPECT_EQ(testing::RunKiln({"report", (dir.path() / "o0/report.json").string(), "--format", format}).exit_code, 0) << format;
  }
}

TEST(Cli, ARunIntoAnEarlierRunsFolderRefusesUnlessForcedAndNeverKeepsItsSignature) {
  testing::TempDir dir;
  std::string keys = (dir.path() / "keys").string();
  ASSERT_EQ(testing::RunKiln({"keygen", "--out", keys}).exit_code, 0);
  std::string out = (dir.path() / "out").string();
  std::string suite = SourceDir() + "/tests/fixtures/suites/mpi_small.xml";
  auto first = testing::RunKiln({"run", "--quiet", "--suite", suite, "--out", out, "--sign-key", keys + "/kiln.key"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  std::string first_report = ReadFile(out + "/report.json");
  // Again into the same folder: refused before anything runs, the first run untouched.
  auto again = testing::RunKiln({"run", "--quiet", "--suite", suite, "--out", out});
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("holds the report of an earlier run"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(ReadFile(out + "/report.json"), first_report);
  // --force: the earlier run moves aside whole; the new unsigned report has no signature beside it.
  auto forced = testing::RunKiln({"run", "--suite", suite, "--out", out, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find("the earlier run's files are now in"), std::string::npos) << forced.output;
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json.minisig"));
  std::vector<std::filesystem::path> aside;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    if (entry.path().filename().string().rfind("previous-", 0) == 0) aside.push_back(entry.path());
  }
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(ReadFile((aside[0] / "report.json").string()), first_report);
  EXPECT_TRUE(std::filesystem::exists(aside[0] / "report.json.minisig"));
  EXPECT_TRUE(std::filesystem::exists(aside[0] / "journal"));
  auto verify = testing::RunKiln({"verify", "--pubkey", keys + "/kiln.pub", (aside[0] / "report.json").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  // The terminal summary ends with where to look.
  EXPECT_NE(forced.output.find("for people: " + out + "/report.html"), std::string::npos) << forced.output;
}

// A suite of one short sleep and a baseline for it: a run of a fraction of a second.
struct SleepRun {
  testing::TempDir dir;
  std::string suite = dir.Write("s.xml", "<suite name=\"s\" version=\"1\"><phase name=\"node\"><step probe=\"sleep\" "
                                         "timeout=\"10s\"><param name=\"duration\" value=\"10ms\"/></step></phase></suite>\n");
  std::string baseline = dir.Write("b.xml", "<baseline sku=\"s\" version=\"2\"><expect metric=\"diag.sleep.elapsed\" "
                                            "rule=\"max\" value=\"5\" basis=\"policy\" source=\"test\"/></baseline>\n");
};

TEST(Cli, EachStepSaysItsTimeoutAndHowItWentAndThePlanRunsNothing) {
  SleepRun run;
  std::string out = (run.dir.path() / "o").string();
  auto r = testing::RunKiln({"run", "--suite", run.suite, "--baseline", run.baseline, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("step 1/1: node/sleep (" + run.suite + ":1), timeout 10s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  done in "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": 1 measured"), std::string::npos) << r.output;
  auto plan = testing::RunKiln({"run", "--plan", "--suite", run.suite, "--baseline", run.baseline, "--out",
                                (run.dir.path() / "never").string()});
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("1. node/sleep (" + run.suite + ":1), timeout 10s: duration=10ms"), std::string::npos)
      << plan.output;
  EXPECT_NE(plan.output.find("probes asked to run 10ms"), std::string::npos) << plan.output;
  EXPECT_FALSE(std::filesystem::exists(run.dir.path() / "never"));
  auto suites = testing::RunKiln({"list", "suites"});
  EXPECT_EQ(suites.exit_code, 0);
  EXPECT_NE(suites.output.find("quick          12 steps; probes asked to run 37.4s"), std::string::npos) << suites.output;
}

TEST(HostileInput, AnEmptyOutOrAnUnsignedChainIsRefusedBeforeAnythingRuns) {
  SleepRun run;
  for (std::vector<std::string> args : {std::vector<std::string>{"run", "--suite", run.suite, "--baseline", run.baseline, "--out", ""},
                                        {"keygen", "--out", ""},
                                        {"bisect", "--simulate", "x.xml", "--out", ""},
                                        {"evaluate", SourceDir() + "/tests/fixtures/real/h100-x1.json", "--out", ""}}) {
    auto r = testing::RunKiln(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find("--out is empty"), std::string::npos) << r.output;
  }
  std::string chain = (run.dir.path() / "chain").string();
  auto unsigned_chain = testing::RunKiln({"run", "--suite", run.suite, "--baseline", run.baseline, "--out",
                                          (run.dir.path() / "o").string(), "--chain", chain});
  EXPECT_EQ(unsigned_chain.exit_code, 2) << unsigned_chain.output;
  EXPECT_NE(unsigned_chain.output.find("--chain needs --sign-key"), std::string::npos) << unsigned_chain.output;
  EXPECT_FALSE(std::filesystem::exists(chain));
  EXPECT_FALSE(std::filesystem::exists(run.dir.path() / "o"));
}

TEST(HostileInput, AHostnameThatIsAPathNeverWritesOutsideOut) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a UTS namespace";
  SleepRun run;
  std::string escape = fmt::format("kiln-escape-{}", ::getpid());
  std::string out = (run.dir.path() / "o").string();
  for (std::string hostname : {"../../../../../../../../tmp/" + escape, std::string("rack/node\x1b[2J")}) {
    auto r = RunCommand({"unshare", "--uts", "sh", "-c", "printf %s \"$0\" > /proc/sys/kernel/hostname && exec \"$@\"", hostname,
                         testing::KilnBinary(), "run", "--quiet", "--suite", run.suite, "--baseline", run.baseline,
                         "--out", out, "--force"},
                        60);
    EXPECT_EQ(r.exit_code, 0) << hostname << ": " << r.output;
    nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
    EXPECT_EQ(report["cluster"]["nodes"][0]["name"], hostname);  // reported as it is, written safely
    EXPECT_TRUE(std::filesystem::exists(out + "/journal/" + SafeFileName(hostname) + ".jsonl")) << r.output;
    EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << "an escape sequence reached the terminal";
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + escape + ".jsonl"));
}

TEST(HostileInput, AMalformedReportIsBadInputNamingTheFile) {
  testing::TempDir dir;
  nlohmann::json report = nlohmann::json::parse(ReadFile(SourceDir() + "/tests/fixtures/real/h100-x1.json"));
  report["verdicts"][0]["outcome"] = "splendid";
  std::string unknown = dir.Write("unknown.json", report.dump());
  report = nlohmann::json::parse(ReadFile(SourceDir() + "/tests/fixtures/real/h100-x1.json"));
  report["measurements"][0]["samples"] = "many";
  std::string typed = dir.Write("typed.json", report.dump());
  for (const std::string& path : {unknown, typed}) {
    for (const char* format : {"text", "html", "junit", "prom", "md"}) {
      auto r = testing::RunKiln({"report", path, "--format", format});
      EXPECT_EQ(r.exit_code, 2) << format << ": " << r.output;
      EXPECT_NE(r.output.find(path + ": malformed report"), std::string::npos) << r.output;
    }
  }
}

TEST(HostileInput, AnEndlessInputFileIsRefusedNotRead) {
  auto r = testing::RunKiln({"run", "--suite", "/dev/zero", "--out", "/tmp/kiln-never"}, 60);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/zero: larger than 64 MiB"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists("/tmp/kiln-never"));
}

TEST(HostileInput, NoReportClaimsASignatureThatIsNotThere) {
  SleepRun run;
  std::string keys = (run.dir.path() / "keys").string();
  ASSERT_EQ(testing::RunKiln({"keygen", "--out", keys}).exit_code, 0);
  std::string out = (run.dir.path() / "o").string();
  auto signed_run = testing::RunKiln({"run", "--quiet", "--suite", run.suite, "--baseline", run.baseline, "--out", out,
                                      "--sign-key", keys + "/kiln.key"});
  ASSERT_EQ(signed_run.exit_code, 0) << signed_run.output;
  // Again into the same folder, unsigned (--force): the old signature must not stay beside the new report.
  auto unsigned_run =
      testing::RunKiln({"run", "--quiet", "--suite", run.suite, "--baseline", run.baseline, "--out", out, "--force"});
  ASSERT_EQ(unsigned_run.exit_code, 0) << unsigned_run.output;
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json.minisig"));
  // The signature cannot be written (its name is taken by a folder): the report says unsigned, and why.
  out = (run.dir.path() / "blocked").string();
  std::filesystem::create_directories(out + "/report.json.minisig/blocked");
  auto blocked = testing::RunKiln({"run", "--quiet", "--suite", run.suite, "--baseline", run.baseline, "--out", out,
                                   "--sign-key", keys + "/kiln.key"});
  EXPECT_EQ(blocked.exit_code, 3) << blocked.output;
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  EXPECT_EQ(report["signature"]["signed"], false);
  EXPECT_NE(report["signature"]["note"].get<std::string>().find("signing failed"), std::string::npos);
}

}  // namespace
}  // namespace kiln
