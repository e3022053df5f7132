// Signatures a customer can check without Kiln: stock minisign verifies Kiln's, Kiln verifies minisign's.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::KilnBinary;
using testing::RunCommand;
using testing::SourceDir;

class SignedReport : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = (dir_.path() / "out").string();
    keys_ = (dir_.path() / "keys").string();
    ASSERT_EQ(RunCommand({KilnBinary(), "keygen", "--out", keys_}, 30).exit_code, 0);
    auto run = RunCommand({KilnBinary(), "run", "--quiet", "--suite", SourceDir() + "/tests/fixtures/suites/mpi_small.xml",
                           "--out", out_, "--sign-key", keys_ + "/kiln.key"},
                          120);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    ASSERT_NE(run.output.find("signed with key"), std::string::npos) << run.output;
  }
  testing::TempDir dir_;
  std::string out_, keys_;
};

TEST_F(SignedReport, StockMinisignVerifiesKilnsSignature) {
  auto r = RunCommand({"minisign", "-V", "-p", keys_ + "/kiln.pub", "-m", out_ + "/report.json"}, 30);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kiln-report cluster="), std::string::npos) << r.output;
}

TEST_F(SignedReport, KilnVerifiesAndRejectsAChangedByte) {
  EXPECT_EQ(RunCommand({KilnBinary(), "verify", "--pubkey", keys_ + "/kiln.pub", out_ + "/report.json"}, 30).exit_code, 0);
  std::string report = ReadFile(out_ + "/report.json");
  report[report.size() / 2] = report[report.size() / 2] == ' ' ? '\t' : ' ';
  std::ofstream(out_ + "/report.json") << report;
  auto r = RunCommand({KilnBinary(), "verify", "--pubkey", keys_ + "/kiln.pub", out_ + "/report.json"}, 30);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("NOT VERIFIED"), std::string::npos) << r.output;
}

TEST_F(SignedReport, KilnVerifiesASignatureMadeByStockMinisignAndRejectsAWrongKey) {
  std::string mk = (dir_.path() / "mk").string();
  ASSERT_EQ(RunCommand({"minisign", "-G", "-W", "-p", mk + ".pub", "-s", mk + ".key"}, 30).exit_code, 0);
  std::string hash = Sha256Hex(ReadFile(out_ + "/report.json"));
  auto sign = RunCommand({"minisign", "-S", "-s", mk + ".key", "-m", out_ + "/report.json", "-x", out_ + "/m.minisig",
                          "-t", "kiln-report sha256=" + hash},
                         30);
  ASSERT_EQ(sign.exit_code, 0) << sign.output;
  auto ok = RunCommand({KilnBinary(), "verify", "--pubkey", mk + ".pub", "--signature", out_ + "/m.minisig",
                        out_ + "/report.json"},
                       30);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto wrong = RunCommand({KilnBinary(), "verify", "--pubkey", keys_ + "/kiln.pub", "--signature", out_ + "/m.minisig",
                           out_ + "/report.json"},
                          30);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("but the public key given is"), std::string::npos) << wrong.output;
  // Kiln signs with a key made by minisign, and minisign checks it.
  ::chmod((mk + ".key").c_str(), 0600);
  ASSERT_EQ(RunCommand({KilnBinary(), "sign", "--key", mk + ".key", out_ + "/report.json"}, 30).exit_code, 0);
  EXPECT_EQ(RunCommand({"minisign", "-V", "-p", mk + ".pub", "-m", out_ + "/report.json"}, 30).exit_code, 0);
}

TEST_F(SignedReport, ATruncatedSignatureFailsClearly) {
  std::string sig = ReadFile(out_ + "/report.json.minisig");
  std::ofstream(out_ + "/report.json.minisig") << sig.substr(0, sig.size() / 3);
  auto r = RunCommand({KilnBinary(), "verify", "--pubkey", keys_ + "/kiln.pub", out_ + "/report.json"}, 30);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("truncated or malformed"), std::string::npos) << r.output;
}

TEST_F(SignedReport, RunRefusesAWorldReadableKeyBeforeMeasuring) {
  ::chmod((keys_ + "/kiln.key").c_str(), 0644);
  auto r = RunCommand({KilnBinary(), "run", "--quiet", "--out", out_ + "2", "--sign-key", keys_ + "/kiln.key"}, 60);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("readable by others"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out_ + "2/report.json"));
}

}  // namespace
}  // namespace kiln
