// What an unresolved finding does to the verdict (bisection/report.cpp): a fault Kiln saw again and again but could
// not name (two leaves' uplinks no test tells apart; a group still failing once the named faults are set aside)
// fails the cluster; a node that failed once and passed in other company stays a warning.

#include <gtest/gtest.h>

#include "bisection/report.hpp"

namespace kiln {
namespace {

Outcome OutcomeOf(const Finding& finding) {
  BisectResult result;
  result.findings.push_back(finding);
  const std::vector<std::string> names = {"n0", "n1", "n2", "n3"};
  return BisectionVerdicts(result, names, StageProbes{}).front().outcome;  // the finding's, before the cleared
}

TEST(BisectionVerdicts, AnUplinkNoTestTellsApartFailsTheClusterNotAWarningThatPasses) {
  EXPECT_EQ(OutcomeOf({FindingKind::kUnresolved, {0, 1, 2}, "topology", "which uplink cannot be told", {3}}),
            Outcome::kFail);
  EXPECT_EQ(OutcomeOf({FindingKind::kUnresolved, {0, 1}, "residual", "still fails without the named faults", {5}}),
            Outcome::kFail);
}

TEST(BisectionVerdicts, ANodeThatFailedOnceAndPassedElsewhereStaysAWarning) {
  EXPECT_EQ(OutcomeOf({FindingKind::kUnresolved, {2}, "group", "failed once; intermittent, not accused", {4}}),
            Outcome::kWarn);
  EXPECT_EQ(OutcomeOf({FindingKind::kUnresolved, {}, "search", "stopped after 9 rounds, the limit", {}}),
            Outcome::kError);
}

}  // namespace
}  // namespace kiln
