// Hostile inputs of issue 25 through the kiln binary: folders of other runs, outputs that are devices, links or
// the input itself, a held --out, bad keys, a resumed burn-in on other nodes. One test per bug, named after it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/file_lock.hpp"
#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using testing::RunKiln;
using testing::SourceDir;

std::string Fixture(const std::string& name) { return SourceDir() + "/tests/fixtures/real/" + name; }

std::vector<std::string> SmallRun(const std::string& out) {
  return {"run", "--quiet", "--suite", SourceDir() + "/tests/fixtures/suites/burnin_small.xml", "--baseline",
          SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", out};
}

TEST(HostileFilesCli, Bug02_EvaluateNeverReplacesAnotherRunsSignedReport) {
  testing::TempDir dir;
  std::string out = (dir.path() / "b").string();
  std::string report = dir.Write("b/report.json", "{\"another\": \"run\"}\n");
  std::string signature = dir.Write("b/report.json.minisig", "its signature\n");
  auto refused = RunKiln({"evaluate", Fixture("h100-x1.json"), "--out", out});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("--force"), std::string::npos) << refused.output;
  EXPECT_EQ(ReadFile(report), "{\"another\": \"run\"}\n");
  EXPECT_EQ(ReadFile(signature), "its signature\n");
  // With --force the other run moves aside, whole, as `kiln run --force` does.
  auto forced = RunKiln({"evaluate", Fixture("h100-x1.json"), "--out", out, "--force"});
  EXPECT_TRUE(forced.exit_code == 0 || forced.exit_code == 1) << forced.output;
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(out)) {
    if (entry.path().filename().string().rfind("previous-", 0) != 0) continue;
    ++aside;
    EXPECT_EQ(ReadFile((entry.path() / "report.json.minisig").string()), "its signature\n");
  }
  EXPECT_EQ(aside, 1);
  EXPECT_FALSE(fs::exists(out + "/report.json.minisig"));
}

TEST(HostileFilesCli, Bug05_ReportOntoDevStdoutPrintsAndOntoALinkWritesThrough) {
  testing::TempDir dir;
  // Links made here to what /dev/stdout and /dev/null are: the same as naming them, and a Kiln that replaced its
  // -o (as the one before the fix did, as root) replaces only these.
  std::string stdout_link = (dir.path() / "stdout").string();
  std::string null_link = (dir.path() / "null").string();
  ASSERT_EQ(::symlink("/proc/self/fd/1", stdout_link.c_str()), 0);
  ASSERT_EQ(::symlink("/dev/null", null_link.c_str()), 0);
  auto printed = RunKiln({"report", Fixture("h100-x1.json"), "--format", "json", "-o", stdout_link});
  EXPECT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_NE(printed.output.find("\"schema\""), std::string::npos) << printed.output;
  EXPECT_EQ(RunKiln({"report", Fixture("h100-x1.json"), "--format", "md", "-o", null_link}).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(null_link)));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  std::string target = dir.Write("target.md", "old");
  std::string link = (dir.path() / "link.md").string();
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto through = RunKiln({"report", Fixture("h100-x1.json"), "--format", "md", "-o", link});
  EXPECT_EQ(through.exit_code, 0) << through.output;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_NE(ReadFile(target), "old");
}

TEST(HostileFilesCli, Bug06_ReportAndDeriveRefuseToOverwriteTheirOwnInput) {
  testing::TempDir dir;
  std::string input = dir.Write("report.json", ReadFile(Fixture("h100-x1.json")));
  std::string alias = (dir.path() / "alias.json").string();
  ASSERT_EQ(::link(input.c_str(), alias.c_str()), 0);
  for (const std::string& output : {alias, (dir.path() / "." / "report.json").string()}) {
    auto report = RunKiln({"report", input, "--format", "md", "-o", output});
    EXPECT_EQ(report.exit_code, 2) << report.output;
    EXPECT_NE(report.output.find("is the input"), std::string::npos) << report.output;
  }
  auto derive = RunKiln({"baseline", "derive", input, "--allow-failed", "--min-nodes", "1", "-o", alias});
  EXPECT_EQ(derive.exit_code, 2) << derive.output;
  EXPECT_EQ(ReadFile(input), ReadFile(Fixture("h100-x1.json")));
}

TEST(HostileFilesCli, Bug07_ARunIntoAnOutInUseExitsTwoNamingTheHolder) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  fs::create_directories(out);
  std::string holder;
  std::optional<FileLock> lock = FileLock::Try(out + "/kiln.lock", holder);
  ASSERT_TRUE(lock.has_value());
  lock->DescribeHolder();
  auto second = RunKiln(SmallRun(out));
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_NE(second.output.find(fmt::format("pid {} on host", ::getpid())), std::string::npos) << second.output;
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  EXPECT_FALSE(fs::exists(out + "/journal"));
  lock.reset();
  auto alone = RunKiln(SmallRun(out));
  EXPECT_EQ(alone.exit_code, 0) << alone.output;
}

TEST(HostileFilesCli, Bug24_ARerunIntoAKilledRunsOutNeedsForce) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::string journal = dir.Write("out/journal/node1.jsonl", "{\"killed\": true}\n");
  auto refused = RunKiln(SmallRun(out));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("--force"), std::string::npos) << refused.output;
  EXPECT_EQ(ReadFile(journal), "{\"killed\": true}\n");
}

TEST(HostileFilesCli, Bug28_DeriveLeavesNoBrokenBaselineOnDisk) {
  testing::TempDir dir;
  std::string output = dir.Write("derived.xml", "earlier baseline\n");
  auto derive = RunKiln({"baseline", "derive", Fixture("h100-x1.json"), "--allow-failed", "--min-nodes", "1", "--k",
                         "nan", "-o", output});
  EXPECT_NE(derive.exit_code, 0) << derive.output;
  EXPECT_EQ(ReadFile(output), "earlier baseline\n");
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST(HostileFilesCli, Bug29_StabilityChecksTheKeyBeforeWritingAnything) {
  testing::TempDir dir;
  std::string db = (dir.path() / "history.db").string();
  std::vector<std::string> run = SmallRun((dir.path() / "s").string());
  run.insert(run.end(), {"--history", db});
  ASSERT_EQ(RunKiln(run).exit_code, 0);
  std::string bad_key = dir.Write("bad.key", "not a key\n");
  ::chmod(bad_key.c_str(), 0600);
  std::string out = (dir.path() / "stability.json").string();
  auto refused = RunKiln({"report", "--stability", "--since", "2020-01-01", "--db", db, "--format", "json", "-o", out,
                          "--sign-key", bad_key});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(HostileFilesCli, Issue24_ResumeOntoAnotherNodeSetExitsTwoNamingTheDifference) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  std::vector<std::string> first = SmallRun(out);
  first.insert(first.end(), {"--duration", "1s"});
  ASSERT_EQ(RunKiln(first).exit_code, 0);
  std::string settings = out + "/burnin/settings.json";
  nlohmann::json stored = nlohmann::json::parse(ReadFile(settings));
  ASSERT_EQ(stored["nodes"].size(), 1u);
  std::string here = stored["nodes"][0];
  stored["nodes"] = {here, "node-gone"};
  std::ofstream(settings, std::ios::trunc) << stored.dump(2);
  std::vector<std::string> resume = SmallRun(out);
  resume.push_back("--resume");
  auto refused = RunKiln(resume);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("nodes missing: node-gone"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace kiln
