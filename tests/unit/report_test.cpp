#include "reports/report.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "reports/terminal_summary.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

Verdict V(Outcome outcome, const std::string& node = "n1") {
  Verdict v;
  v.probe = "host_stream";
  v.metric = "host.stream.copy_bw";
  v.series = v.metric;
  v.subject = Subject::Node(node);
  v.outcome = outcome;
  v.reason = "r";
  return v;
}

TEST(SummarizeOutcome, FailOrErrorMeansExitOne) {
  EXPECT_EQ(SummarizeOutcome({V(Outcome::kPass), V(Outcome::kFail)}).exit_code, 1);
  EXPECT_EQ(SummarizeOutcome({V(Outcome::kPass), V(Outcome::kError)}).outcome, RunOutcome::kError);
  auto rule = [](Outcome outcome, const char* id) {
    Verdict v = V(outcome);
    v.rule_id = id;
    return v;
  };
  RunSummary warn = SummarizeOutcome({rule(Outcome::kPass, "b.xml:1"), rule(Outcome::kWarn, "b.xml:2")});
  EXPECT_EQ(warn.exit_code, 0);
  EXPECT_TRUE(warn.accepted);
  EXPECT_EQ(warn.outcome, RunOutcome::kPass);
  EXPECT_EQ(warn.note, "passed with warnings");
  // The same verdicts with a rule not judged: a partial pass, exit 0, never accepted.
  RunSummary partial = SummarizeOutcome({rule(Outcome::kPass, "b.xml:1"), rule(Outcome::kSkipped, "b.xml:2")});
  EXPECT_EQ(partial.exit_code, 0);
  EXPECT_FALSE(partial.accepted);
  EXPECT_EQ(partial.outcome, RunOutcome::kPartial);
  EXPECT_EQ(partial.note, "1 of 2 acceptance rules judged; not an acceptance");
  EXPECT_EQ(Headline(partial, "quick"), "PASSED: quick check, 1 of 2 acceptance rules judged; not an acceptance");
  // Inconclusive only when every failure is a contended rule.
  Verdict contended = rule(Outcome::kError, "b.xml:3");
  contended.inconclusive = true;
  EXPECT_EQ(SummarizeOutcome({rule(Outcome::kPass, "b.xml:1"), contended}).outcome, RunOutcome::kInconclusive);
  EXPECT_EQ(SummarizeOutcome({rule(Outcome::kPass, "b.xml:1"), contended}).exit_code, 1);
  EXPECT_EQ(SummarizeOutcome({rule(Outcome::kFail, "b.xml:1"), contended}).outcome, RunOutcome::kError);
}

TEST(SummarizeOutcome, NothingJudgedIsNotAnAcceptance) {
  RunSummary o = SummarizeOutcome({V(Outcome::kSkipped), V(Outcome::kSkipped)});
  EXPECT_EQ(o.outcome, RunOutcome::kSkipped);
  EXPECT_FALSE(o.accepted);
  EXPECT_EQ(o.exit_code, 1);  // not accepted: a script that checks the exit code must not take it for a pass
  EXPECT_NE(o.note.find("accepts nothing"), std::string::npos);
  // Rules that do not apply judge nothing either, and never hide another outcome.
  EXPECT_EQ(SummarizeOutcome({V(Outcome::kNotApplicable)}).exit_code, 1);
  // Passing verdicts of no baseline rule (a correctness check alone, a bisection) are no acceptance.
  EXPECT_EQ(SummarizeOutcome({V(Outcome::kNotApplicable), V(Outcome::kPass)}).outcome, RunOutcome::kPartial);
  EXPECT_FALSE(SummarizeOutcome({V(Outcome::kNotApplicable), V(Outcome::kPass)}).accepted);
}

TEST(BuildReport, CountsAndListsFailingSubjects) {
  RunRecord r;
  r.nodes = {{"n1", {0}, nullptr}, {"n2", {1}, nullptr}};
  r.verdicts = {V(Outcome::kPass, "n1"), V(Outcome::kFail, "n2"), V(Outcome::kPass, "n2")};
  nlohmann::json j = BuildReport(r);
  EXPECT_EQ(j["schema"], "kiln.report/1");
  EXPECT_EQ(j["summary"]["counts"]["pass"], 2);
  EXPECT_EQ(j["summary"]["counts"]["fail"], 1);
  ASSERT_EQ(j["summary"]["failing_subjects"].size(), 1u);
  EXPECT_EQ(j["summary"]["failing_subjects"][0]["subject"]["nodes"][0], "n2");
  EXPECT_FALSE(j["signature"]["signed"].get<bool>());
  std::string text = RenderTerminalSummary(j);
  EXPECT_EQ(text.rfind("fail", 0), 0u) << text;  // failing subjects come first
  EXPECT_NE(text.find("NOT ACCEPTED"), std::string::npos);
  EXPECT_NE(text.find("not signed"), std::string::npos);
}

TEST(LoadReport, RejectsOtherJsonAndBrokenFiles) {
  testing::TempDir dir;
  EXPECT_THROW(LoadReport(dir.Write("a.json", "{\"schema\": \"other/1\"}")), InputError);
  EXPECT_THROW(LoadReport(dir.Write("b.json", "{\"schema\": ")), InputError);
  EXPECT_THROW(LoadReport((dir.path() / "missing.json").string()), InputError);
}

}  // namespace
}  // namespace kiln
