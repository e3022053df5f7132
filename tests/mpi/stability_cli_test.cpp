// History and the stability report through the binary: sweeps go into the history, the stability report
// over them is signed and verifies with kiln verify; bad input exits 2.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::SourceDir;
TEST(StabilityCli, TwoSweepsIntoTheHistoryGiveASignedStabilityReportThatVerifies) {
  testing::TempDir dir;
  std::string db = (dir.path() / "history.db").string();
  for (int sweep = 0; sweep < 2; ++sweep) {
    auto run = testing::RunKiln({"run", "--quiet", "--suite", SourceDir() + "/tests/fixtures/suites/burnin_small.xml",
                                 "--baseline", SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out",
                                 (dir.path() / fmt::format("s{}", sweep)).string(), "--history", db});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("added to history"), std::string::npos) << run.output;
  }
  ASSERT_EQ(testing::RunKiln({"keygen", "--out", (dir.path() / "keys").string()}).exit_code, 0);
  std::string out = (dir.path() / "stability.json").string();
  auto stability = testing::RunKiln({"report", "--stability", "--since", "2020-01-01", "--db", db, "--format", "json",
                                     "-o", out, "--sign-key", (dir.path() / "keys/kiln.key").string()});
  ASSERT_EQ(stability.exit_code, 0) << stability.output;
  nlohmann::json s = nlohmann::json::parse(ReadFile(out));
  EXPECT_EQ(s["schema"], "kiln.stability/1");
  EXPECT_EQ(s["fleet"]["sweeps"], 2);
  EXPECT_DOUBLE_EQ(s["fleet"]["mean_availability"].get<double>(), 1.0);
  auto verify = testing::RunKiln({"verify", "--pubkey", (dir.path() / "keys/kiln.pub").string(), out});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("kiln-stability since=2020-01-01T00:00:00Z"), std::string::npos) << verify.output;

  auto no_since = testing::RunKiln({"report", "--stability", "--db", db});
  EXPECT_EQ(no_since.exit_code, 2);
  EXPECT_NE(no_since.output.find("needs --since"), std::string::npos) << no_since.output;
  auto no_db = testing::RunKiln({"report", "--stability", "--since", "2026-11-01", "--db", (dir.path() / "none.db").string()});
  EXPECT_EQ(no_db.exit_code, 2);
  EXPECT_NE(no_db.output.find("does not exist"), std::string::npos) << no_db.output;
}

}  // namespace
}  // namespace kiln
