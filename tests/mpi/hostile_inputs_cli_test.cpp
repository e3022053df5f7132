// Hostile and careless inputs through the kiln binary (issue 25), one test per bug: each must end in exit 2
// naming the file, option or value at fault, with nothing written.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunKiln;
using testing::SourceDir;

std::string Fixture(const std::string& relative) { return SourceDir() + "/tests/fixtures/" + relative; }

// #13: `1e400` in a report is exit 2 naming the file and the field in every command that reads reports.
TEST(HostileInputsCli, Bug13_OutOfRangeNumberIsExitTwoInEveryCommandThatReadsReports) {
  testing::TempDir dir;
  std::string out = (dir.path() / "run").string();
  auto run = RunKiln({"run", "--quiet", "--suite", Fixture("suites/burnin_small.xml"), "--baseline",
                      Fixture("baselines/emulated.xml"), "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string text = ReadFile(out + "/report.json");
  std::size_t samples = text.find("\"samples\": [", text.find("\"measurements\""));
  ASSERT_NE(samples, std::string::npos);
  text.insert(samples + std::string("\"samples\": [").size(), "1e400, ");
  std::string bad = dir.Write("bad.json", text);
  std::string db = (dir.path() / "history.db").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", bad, "--format", "text"},
        {"evaluate", bad, "--baseline", Fixture("baselines/emulated.xml"), "--out", (dir.path() / "e").string()},
        {"history", "--db", db, "--add", bad},
        {"baseline", "derive", bad, "-o", (dir.path() / "b.xml").string()}}) {
    auto r = RunKiln(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find(bad + ":"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("measurements[0].samples[0]"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "e"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b.xml"));
}

// #12: `--stages ''` would run nothing and accept the cluster.
TEST(HostileInputsCli, Bug12_BisectWithNoStageIsExitTwo) {
  testing::TempDir dir;
  std::string out = (dir.path() / "o").string();
  for (const char* stages : {"", ","}) {
    auto r = RunKiln({"bisect", "--simulate", Fixture("clusters/sim4096-five.xml"), "--stages", stages, "--out", out});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--stages"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
}

// #15: 2e9 simulated nodes are refused at once (they ended in bad_alloc after 19 s).
TEST(HostileInputsCli, Bug15_HugeSimulatedClusterIsRefusedAtOnce) {
  testing::TempDir dir;
  std::string cluster = dir.Write("huge.xml", "<cluster name=\"huge\" nodes=\"2000000000\"/>\n");
  auto r = RunKiln({"bisect", "--simulate", cluster, "--out", (dir.path() / "o").string()}, 60);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(cluster + ":1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("from 1 to 262144"), std::string::npos) << r.output;
}

// #21: a timeout or duration below a millisecond is refused like 0s, naming the value.
TEST(HostileInputsCli, Bug21_SubMillisecondTimeoutIsExitTwoNamingTheValue) {
  testing::TempDir dir;
  for (const char* timeout : {"1e-300s", "0.0000001s"}) {
    std::string suite = dir.Write("s.xml", fmt::format("<suite name=\"t\"><phase name=\"node\"><step probe=\"sleep\" "
                                                       "timeout=\"{}\"/></phase></suite>\n", timeout));
    auto r = RunKiln({"run", "--plan", "--suite", suite, "--baseline", Fixture("baselines/emulated.xml")});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(fmt::format("timeout '{}'", timeout)), std::string::npos) << r.output;
    // A burn-in of that length: refused before anything is measured or written.
    auto real = RunKiln({"run", "--quiet", "--duration", timeout, "--suite", Fixture("suites/burnin_small.xml"),
                         "--baseline", Fixture("baselines/emulated.xml"), "--out", (dir.path() / "o").string()});
    EXPECT_EQ(real.exit_code, 2) << real.output;
    EXPECT_NE(real.output.find(fmt::format("--duration '{}'", timeout)), std::string::npos) << real.output;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "o" / "report.json"));
  }
}

// #22: options whose value would make a command write to the root folder, record nothing, or go unchecked.
TEST(HostileInputsCli, Bug22_DegenerateOptionsAreExitTwoNamingOptionAndValue) {
  testing::TempDir dir;
  std::string suite = Fixture("suites/burnin_small.xml");
  std::string baseline = Fixture("baselines/emulated.xml");
  std::string out = (dir.path() / "o").string();
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> named;
  };
  std::vector<Case> cases = {
      {{"run", "--suite", suite, "--baseline", baseline, "--out", "/"}, {"--out '/'", "root folder"}},
      {{"run", "--suite", suite, "--baseline", baseline, "--out", "/tmp/.."}, {"--out '/tmp/..'"}},
      {{"run", "--suite", suite, "--baseline", baseline, "--out", out, "--history", ""}, {"--history"}},
      {{"run", "--suite", suite, "--baseline", baseline, "--out", out, "--sign-key", ""}, {"--sign-key"}},
      {{"bisect", "--simulate", Fixture("clusters/sim4096-five.xml"), "--out", out, "--launch-slack", "nan"},
       {"--launch-slack", "'nan'"}},
      {{"bisect", "--simulate", Fixture("clusters/sim4096-five.xml"), "--out", out, "--launch-slack", "inf"},
       {"--launch-slack", "'inf'"}},
      {{"schedule", "--kind", "slurm", "--out", out, "--reports", out + "/sweeps", "--nodes", "-5"}, {"--nodes", "-5"}},
      {{"schedule", "--kind", "slurm", "--out", out, "--reports", out + "/sweeps", "--history", ""}, {"--history"}},
      {{"history", "--db", ""}, {"--db"}},
      {{"history", "--drift-threshold", "nan"}, {"--drift-threshold", "'nan'"}},
  };
  for (const Case& c : cases) {
    auto r = RunKiln(c.args);
    EXPECT_EQ(r.exit_code, 2) << fmt::format("{}", fmt::join(c.args, " ")) << "\n" << r.output;
    for (const std::string& word : c.named) EXPECT_NE(r.output.find(word), std::string::npos) << word << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists("/report.json"));
}

}  // namespace
}  // namespace kiln
