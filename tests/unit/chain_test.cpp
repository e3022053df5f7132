#include "reports/chain.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "core/files.hpp"
#include "reports/report.hpp"
#include "tests/support/report_chain.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

class Chain : public testing::ReportChain {};

TEST_F(Chain, LinksEveryReportToThePreviousOne) {
  for (const char* t : {"2026-11-01", "2026-11-08", "2026-11-15"}) Add(t);
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_TRUE(check.ok) << check.problem;
  EXPECT_EQ(check.reports, 3);
  nlohmann::json second = nlohmann::json::parse(ReadFile(File(2)));
  EXPECT_EQ(second["previous_report_sha256"], Sha256Hex(ReadFile(File(1))));
  EXPECT_TRUE(nlohmann::json::parse(ReadFile(File(1)))["previous_report_sha256"].is_null());
}

TEST_F(Chain, AMissingReportIsNamed) {
  for (const char* t : {"a", "b", "c"}) Add(t);
  std::filesystem::remove(File(2));
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("report number 000002 is missing"), std::string::npos) << check.problem;
}

TEST_F(Chain, AnAlteredReportIsNamed) {
  for (const char* t : {"a", "b", "c"}) Add(t);
  std::string text = ReadFile(File(2));
  text.replace(text.find("\"c1\""), 4, "\"c9\"");
  std::ofstream(File(2)) << text;
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find(File(2)), std::string::npos) << check.problem;
}

TEST_F(Chain, AReplacedButSignedReportBreaksTheNextLink) {
  for (const char* t : {"a", "b", "c"}) Add(t);
  // Someone with the key re-signs a different report 2: its own signature holds, report 3's link does not.
  RunRecord r;
  r.cluster = "c1";
  r.finished = "forged";
  nlohmann::json forged = BuildReport(r);
  forged["previous_report_sha256"] = Sha256Hex(ReadFile(File(1)));
  std::string content = forged.dump(2) + "\n";
  std::ofstream(File(2)) << content;
  std::ofstream(File(2) + ".minisig") << SignatureFileText(keys_, content, ReportIdentity(forged, content));
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find(File(3)), std::string::npos) << check.problem;
  EXPECT_NE(check.problem.find("altered or replaced"), std::string::npos) << check.problem;
}

TEST_F(Chain, AnUnsignedReportOrAnotherKeyFails) {
  Add("a");
  EXPECT_FALSE(VerifyChain(dir_, GenerateKeyPair()).ok);
  std::filesystem::remove(File(1) + ".minisig");
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_NE(check.problem.find("is not signed"), std::string::npos) << check.problem;
  EXPECT_FALSE(VerifyChain((temp_.path() / "none").string(), keys_).ok);
}

}  // namespace
}  // namespace kiln
