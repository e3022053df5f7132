// kiln bisect checks what it reads before it claims --out: a bad input is exit 2 and leaves no folder, and
// --force moves no earlier report aside for a run that cannot start.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::SourceDir;

const char kCluster[] =
    "<?xml version=\"1.0\"?>\n"
    "<cluster name=\"small\" nodes=\"8\" prefix=\"node\" seed=\"1\">\n"
    "  <fault kind=\"slow_node\" node=\"node3\"/>\n"
    "</cluster>\n";

class BisectInputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = dir_.Write("cluster.xml", kCluster);
    out_ = (dir_.path() / "out").string();
  }
  // Runs kiln bisect --out OUT with `args`; expects exit 2 naming `named` in what it printed.
  void ExpectRefused(std::vector<std::string> args, const std::string& named) {
    args.insert(args.begin(), "bisect");
    args.insert(args.end(), {"--out", out_, "--quiet"});
    auto r = testing::RunKiln(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(named), std::string::npos) << r.output;
  }
  testing::TempDir dir_;
  std::string cluster_, out_;
};

TEST_F(BisectInputCli, ABadInputLeavesNoOutFolder) {
  ExpectRefused({"--hosts", dir_.Write("hosts", "node_1\n")}, "hosts");  // '_': mpirun would refuse it
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--hosts", dir_.Write("empty", "")}, "no hosts listed");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", (dir_.path() / "missing.xml").string()}, "missing.xml");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", dir_.Write("bad.xml", "<cluster")}, "bad.xml");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", cluster_, "--hosts", dir_.Write("two", "a\nb\n")}, "exactly one of");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", cluster_, "--probe", "no_such_probe"}, "no_such_probe");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", cluster_, "--node-probe", "health,nope"}, "nope");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", cluster_, "--topology", dir_.Write("tree.conf", "SwitchName=s1 Nodes=elsewhere[1-2]\n")},
                "tree.conf");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--simulate", cluster_, "--baseline", dir_.Write("baseline.xml", "<baseline")}, "baseline.xml");
  EXPECT_FALSE(std::filesystem::exists(out_));
  ExpectRefused({"--hosts", dir_.Write("good", "a\nb\n"), "--suite", dir_.Write("suite.xml", "<suite")}, "suite.xml");
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(BisectInputCli, ForceMovesNoEarlierReportAsideForABadInput) {
  auto first = testing::RunKiln({"bisect", "--simulate", cluster_, "--out", out_, "--quiet"});
  ASSERT_EQ(first.exit_code, 1) << first.output;  // node3 is slow
  const std::string report = ReadFile(out_ + "/report.json");
  ExpectRefused({"--simulate", cluster_, "--force", "--baseline", dir_.Write("baseline.xml", "<baseline")}, "baseline.xml");
  EXPECT_EQ(ReadFile(out_ + "/report.json"), report);
  for (const auto& entry : std::filesystem::directory_iterator(out_)) {
    EXPECT_NE(entry.path().filename().string().rfind("previous-", 0), 0u) << entry.path();
  }
}

}  // namespace
}  // namespace kiln
