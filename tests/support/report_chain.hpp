// A test fixture holding a chain folder of signed reports (reports/chain.hpp), added the way `kiln run --chain`
// adds them, with a key pair made for the test.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>
#include <string>

#include "reports/chain.hpp"
#include "reports/report.hpp"
#include "reports/signing.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln::testing {

class ReportChain : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    keys_ = GenerateKeyPair();
    dir_ = (temp_.path() / "chain").string();
  }
  // Adds a report of cluster c1 finished at `finished`, linked to the newest one and signed.
  void Add(const std::string& finished) {
    RunRecord r;
    r.cluster = "c1";
    r.finished = finished;
    nlohmann::json report = BuildReport(r);
    report["previous_report_sha256"] = LastReportHash(dir_);
    std::string content = report.dump(2) + "\n";
    AppendToChain(dir_, report, content, SignatureFileText(keys_, content, ReportIdentity(report, content)));
  }
  // The chain's n-th report (1 is the first).
  std::string File(int n) const { return dir_ + "/" + fmt::format("{:06d}-c1.json", n); }

  TempDir temp_;
  KeyPair keys_;
  std::string dir_;
};

}  // namespace kiln::testing
