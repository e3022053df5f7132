// kiln baseline derive: a baseline from healthy nodes that those nodes pass and a slow node fails.

#include "reports/baseline_derivation.hpp"

#include <gtest/gtest.h>

#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/evaluator.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

// A passing report of `nodes`, each with its STREAM triad and latency.
DerivationInput Report(const std::vector<std::pair<std::string, double>>& nodes, const std::string& outcome = "pass") {
  RunRecord r;
  r.run_id = "r";
  r.finished = "2026-11-26T05:00:00Z";
  for (const auto& [node, triad] : nodes) {
    r.nodes.push_back({node, {0}, nlohmann::json()});
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node(node),
                                             {triad, triad * 1.01}, true, "m"));
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.wrong_elements", "count", Subject::Node(node),
                                             {0}, false, "m"));
  }
  nlohmann::json report = BuildReport(r);
  report["summary"]["outcome"] = outcome;
  return {"report-" + nodes.front().first + ".json", report, std::string(64, 'a')};
}

std::vector<Verdict> JudgeWith(const std::string& baseline_path, const DerivationInput& input) {
  Baseline b = LoadBaseline(baseline_path, ProbeRegistry::Default().AllMetrics());
  return Evaluate(b, input.report.at("measurements").get<std::vector<Measurement>>());
}

TEST(DeriveBaseline, TheHealthyNodesPassItAndAThrottledNodeFails) {
  testing::TempDir dir;
  std::vector<DerivationInput> healthy = {Report({{"n1", 30.0}, {"n2", 31.0}}), Report({{"n3", 29.5}, {"n4", 30.4}})};
  std::string text = DeriveBaseline(healthy, ProbeRegistry::Default().AllMetrics(), {});
  std::string path = dir.Write("derived.xml", text);
  EXPECT_NE(text.find("basis=\"derived\""), std::string::npos);
  EXPECT_EQ(text.find("wrong_elements"), std::string::npos);  // correctness is Kiln's, never derived
  for (const DerivationInput& input : healthy) {
    for (const Verdict& v : JudgeWith(path, input)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  }
  std::vector<Verdict> slow = JudgeWith(path, Report({{"n5", 30.0}, {"throttled", 18.0}}));
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[0].outcome, Outcome::kPass);
  EXPECT_EQ(slow[1].outcome, Outcome::kFail);
  EXPECT_EQ(slow[1].subject, Subject::Node("throttled"));
}

TEST(DeriveBaseline, FewNoisyInputsStillGiveAFloorThatFailsAHalfSpeedNode) {
  // Three nodes sharing two cores read 10, 14 and 20 GB/s: four robust deviations (4 x 5.9) reach below 0.
  // The floor is held to 20% below the worst healthy input: 8 GB/s. All three pass it; a node at half the
  // slowest fails it (CI saw a floor of 0 accept one: DeriveCli.ABaselineFromEmulatedNodes...).
  testing::TempDir dir;
  std::vector<DerivationInput> inputs = {Report({{"n1", 10.0}, {"n2", 14.0}, {"n3", 20.0}})};
  std::string text = DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), {});
  std::string path = dir.Write("noisy.xml", text);
  EXPECT_NE(text.find("held to 20% beyond the worst healthy input"), std::string::npos) << text;
  for (const Verdict& v : JudgeWith(path, inputs[0])) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  std::vector<Verdict> slow = JudgeWith(path, Report({{"half", 5.0}}));
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0].outcome, Outcome::kFail) << slow[0].reason;
}

TEST(DeriveBaseline, TheWrittenFloorNeverExcludesTheWorstInput) {
  // A median of 14.136861 rounded to the nearest 6 digits is 14.1369, a floor above the input; it must be 14.1368.
  testing::TempDir dir;
  std::vector<DerivationInput> inputs = {Report({{"n1", 14.136861 / 1.005}, {"n2", 32.8}, {"n3", 33.0}})};
  std::string path = dir.Write("d.xml", DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), {}));
  for (const Verdict& v : JudgeWith(path, inputs[0])) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
}

TEST(DeriveBaseline, RefusesFewerThanThreeNodesAndReportsThatDidNotPass) {
  auto metrics = ProbeRegistry::Default().AllMetrics();
  EXPECT_THROW(DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}})}, metrics, {}), InputError);
  try {
    DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}}, "fail")}, metrics, {});
    FAIL() << "a failed report was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did not pass"), std::string::npos) << e.what();
  }
  DerivationOptions lenient;
  lenient.allow_failed = true;
  lenient.min_nodes = 2;
  EXPECT_NO_THROW(DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}}, "fail")}, metrics, lenient));
}

}  // namespace
}  // namespace kiln
