#include "core/evaluator.hpp"

#include <gtest/gtest.h>

namespace kiln {
namespace {

Expectation Rule(RuleKind kind, double threshold) {
  Expectation e;
  e.metric_pattern = "host.stream.*";
  e.rule = kind;
  e.threshold = threshold;
  e.unit = "GB/s";
  e.source = "test";
  return e;
}

Measurement Stream(const std::string& node, std::vector<double> samples) {
  return MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node(node), std::move(samples),
                         true, "test");
}

std::vector<Verdict> Judge(Expectation e, const std::vector<Measurement>& ms) {
  Baseline b;
  b.expectations.push_back(std::move(e));
  return Evaluate(b, ms);
}

TEST(Evaluate, MinAndMaxJudgeTheMedian) {
  auto v = Judge(Rule(RuleKind::kMin, 10), {Stream("a", {9, 11, 12}), Stream("b", {9, 9, 30})});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].outcome, Outcome::kPass);  // median 11
  EXPECT_EQ(v[1].outcome, Outcome::kFail);  // median 9
  EXPECT_EQ(v[1].source, "test");
  EXPECT_NE(v[1].reason.find("< min 10"), std::string::npos) << v[1].reason;
  auto w = Judge(Rule(RuleKind::kMax, 10), {Stream("a", {9})});
  EXPECT_EQ(w[0].outcome, Outcome::kPass);
}

TEST(Evaluate, AContendedMeasurementIsInconclusiveNeverAPass) {
  Measurement slow = Stream("n1", {5, 5, 5});
  slow.unreliable = "measured on a contended host: 3.0 other runnable tasks per CPU";
  auto v = Judge(Rule(RuleKind::kMin, 20), {slow});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].outcome, Outcome::kError);
  EXPECT_TRUE(v[0].inconclusive);
  EXPECT_NE(v[0].reason.find("inconclusive: 5 GB/s < min 20, but measured under contention (measured on a "
                             "contended host"), std::string::npos) << v[0].reason;
  slow.unreliable.clear();
  EXPECT_EQ(Judge(Rule(RuleKind::kMin, 20), {slow})[0].outcome, Outcome::kFail);
  // And the mark survives the report: a re-evaluation (kiln evaluate) judges the same.
  nlohmann::json j = Stream("n1", {5});
  EXPECT_FALSE(j.contains("unreliable"));
  Measurement marked = Stream("n1", {5});
  marked.unreliable = "why";
  EXPECT_EQ(nlohmann::json(marked).get<Measurement>().unreliable, "why");
}

TEST(Evaluate, FractionOfReference) {
  Expectation e = Rule(RuleKind::kFraction, 0);
  e.reference = 100;
  e.fraction = 0.95;
  auto v = Judge(e, {Stream("a", {96}), Stream("b", {94})});
  EXPECT_EQ(v[0].outcome, Outcome::kPass);
  EXPECT_EQ(v[1].outcome, Outcome::kFail);
  EXPECT_NE(v[1].reason.find("94.0%"), std::string::npos) << v[1].reason;
}

TEST(Evaluate, MaxCvUsesSpreadAndSeverity) {
  Expectation e = Rule(RuleKind::kMaxCv, 0.1);
  e.severity = Outcome::kWarn;
  auto v = Judge(e, {Stream("a", {10, 10.1, 9.9}), Stream("b", {5, 10, 15})});
  EXPECT_EQ(v[0].outcome, Outcome::kPass);
  EXPECT_EQ(v[1].outcome, Outcome::kWarn);
}

TEST(Evaluate, EqualAndCountLimit) {
  Expectation eq = Rule(RuleKind::kEqual, 8);
  eq.metric_pattern = "health.gpu_count";
  Measurement gpus = MakeMeasurement("health", "health.gpu_count", "count", Subject::Node("a"), {7}, true, "");
  EXPECT_EQ(Judge(eq, {gpus})[0].outcome, Outcome::kFail);
  Expectation limit = Rule(RuleKind::kCountLimit, 0);
  limit.metric_pattern = "mpi.allreduce.wrong_elements";
  Measurement wrong = MakeMeasurement("mpi_allreduce", "mpi.allreduce.wrong_elements", "count",
                                      Subject::Group({"a", "b"}), {3}, false, "");
  EXPECT_EQ(Judge(limit, {wrong})[0].outcome, Outcome::kFail);
}

TEST(Evaluate, FleetFlagsOnlyTheNodeFarBelowItsPeers) {
  Expectation e = Rule(RuleKind::kFleet, 0);
  e.k = 3;
  e.min_drop = 0.05;
  std::vector<Measurement> ms;
  for (int i = 0; i < 7; ++i) ms.push_back(Stream("n" + std::to_string(i), {100.0 + i}));
  ms.push_back(Stream("slow", {70}));
  auto v = Judge(e, ms);
  ASSERT_EQ(v.size(), 8u);
  for (const Verdict& verdict : v) {
    EXPECT_EQ(verdict.outcome, verdict.subject.nodes[0] == "slow" ? Outcome::kFail : Outcome::kPass)
        << verdict.subject.Key() << ": " << verdict.reason;
  }
}

TEST(Evaluate, FleetNeverFlagsAUniformFleetAndDoesNotApplyToSmallOnes) {
  Expectation e = Rule(RuleKind::kFleet, 0);
  std::vector<Measurement> same{Stream("a", {50}), Stream("b", {50}), Stream("c", {49.9})};
  for (const Verdict& v : Judge(e, same)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  std::vector<Measurement> two{Stream("a", {50}), Stream("b", {10})};
  for (const Verdict& v : Judge(e, two)) {
    EXPECT_EQ(v.outcome, Outcome::kNotApplicable);
    EXPECT_TRUE(v.reason.starts_with("not applicable: a fleet of 2")) << v.reason;
  }
}

TEST(Evaluate, FleetForLowerIsBetterFlagsTheHighOne) {
  Expectation e = Rule(RuleKind::kFleet, 0);
  e.metric_pattern = "mpi.link.latency";
  std::vector<Measurement> ms;
  for (int i = 0; i < 5; ++i) {
    ms.push_back(MakeMeasurement("mpi_link", "mpi.link.latency", "us", Subject::Pair("a", std::to_string(i)),
                                 {i == 4 ? 50.0 : 10.0}, false, ""));
  }
  auto v = Judge(e, ms);
  EXPECT_EQ(v[4].outcome, Outcome::kFail);
  EXPECT_EQ(v[0].outcome, Outcome::kPass);
}

TEST(Evaluate, LabelsRestrictTheRule) {
  Expectation e = Rule(RuleKind::kMin, 5);
  e.metric_pattern = "mpi.allreduce.busbw";
  e.labels = {{"size", "64MiB"}};
  Measurement big = MakeMeasurement("m", "mpi.allreduce.busbw", "GB/s", Subject::Group({"a"}), {1}, true, "",
                                    {{"size", "64MiB"}});
  Measurement small = MakeMeasurement("m", "mpi.allreduce.busbw", "GB/s", Subject::Group({"a"}), {1}, true, "",
                                      {{"size", "8B"}});
  auto v = Judge(e, {big, small});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].series, "mpi.allreduce.busbw{size=64MiB}");
}

TEST(EvaluateCorrectness, AnyWrongValueFailsOnceForItsSubjectWithoutABaselineRule) {
  std::vector<MetricSpec> specs{{"mpi.allreduce.wrong_elements", "count", false, "", true}};
  auto sized = [](const Subject& subject, double wrong, const char* size) {
    return MakeMeasurement("m", "mpi.allreduce.wrong_elements", "count", subject, {wrong}, false, "checked",
                           {{"size", size}});
  };
  auto v = EvaluateCorrectness(specs, {sized(Subject::Group({"a"}), 0, "8B"), sized(Subject::Group({"a"}), 1, "1MiB"),
                                       sized(Subject::Group({"a"}), 0, "4MiB"), sized(Subject::Group({"b"}), 0, "8B")});
  ASSERT_EQ(v.size(), 2u);  // one per subject, however many sizes were checked
  EXPECT_EQ(v[0].outcome, Outcome::kFail);
  EXPECT_NE(v[0].reason.find("1 wrong values in 1 of 3 series: mpi.allreduce.wrong_elements{size=1MiB}"),
            std::string::npos) << v[0].reason;
  EXPECT_EQ(v[1].outcome, Outcome::kPass);
  EXPECT_EQ(v[1].subject, Subject::Group({"b"}));
}

}  // namespace
}  // namespace kiln
