// What a verdict covered (core/coverage), and the run outcome built on it (reports/report: SummarizeOutcome):
// ACCEPTED only for the whole of what an acceptance needs, a partial pass for less, never a pass that a file
// or a node can talk its way into. On the reports of real healthy GPUs and edited copies of them.

#include "core/coverage.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/baseline_selection.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "tests/support/real_reports.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::Judge;
using testing::Judged;

std::string Failures(const std::vector<Verdict>& verdicts) {
  std::string text;
  for (const Verdict& v : verdicts) {
    if (IsFailure(v.outcome)) text += v.series + ": " + v.reason + "\n";
  }
  return text;
}

void DropProbe(RunRecord& record, const std::string& probe) {
  std::erase_if(record.steps, [&](const StepRecord& s) { return s.probe == probe; });
  std::erase_if(record.measurements, [&](const Measurement& m) { return m.probe == probe; });
}

TEST(Coverage, CountsARuleOnceAndNamesWhatWasNotJudged) {
  auto verdict = [](std::string rule_id, Outcome outcome, std::string node) {
    Verdict v;
    v.rule_id = std::move(rule_id);
    v.outcome = outcome;
    v.series = "m";
    v.subject = Subject::Node(std::move(node));
    v.reason = "why";
    return v;
  };
  std::vector<Verdict> verdicts{verdict("b.xml:1", Outcome::kPass, "n1"), verdict("b.xml:1", Outcome::kPass, "n2"),
                                verdict("b.xml:2", Outcome::kPass, "n1"), verdict("b.xml:2", Outcome::kSkipped, "n2"),
                                verdict("b.xml:3", Outcome::kNotApplicable, "n1"), verdict("", Outcome::kSkipped, "n1"),
                                verdict("b.xml:4", Outcome::kFail, "n1")};
  Coverage c = CoverageOf(verdicts);
  EXPECT_EQ(c.required, 3);  // rule 3 applies nowhere; the verdict without a rule id is no rule
  EXPECT_EQ(c.judged, 2);    // rule 2 was not judged on n2
  ASSERT_EQ(c.not_judged.size(), 1u);
  EXPECT_EQ(c.not_judged[0].rule_id, "b.xml:2");
  EXPECT_EQ(c.not_judged[0].subjects, 1);
  EXPECT_FALSE(c.Complete());
  EXPECT_EQ(c.Describe(), "2 of 3 acceptance rules judged");
  EXPECT_FALSE(Coverage{}.Complete()) << "nothing required is no acceptance";
}

TEST(Coverage, HealthyAcceptanceReportsOfBothGpusAreAccepted) {
  for (const char* fixture : {"h200-x1-deep.json", "h200-x1-peers.json", "h100-x1.json"}) {
    Judged j = Judge(fixture, testing::AutoBaseline());
    EXPECT_TRUE(j.outcome.accepted) << fixture << ": " << ToString(j.outcome.outcome) << " " << j.outcome.note << "\n"
                                    << Failures(j.verdicts);
    EXPECT_EQ(j.outcome.exit_code, 0) << fixture;
    EXPECT_EQ(j.outcome.outcome, RunOutcome::kPass) << fixture;
    EXPECT_TRUE(j.outcome.coverage.Complete()) << fixture;
    EXPECT_EQ(Headline(j.outcome, "gpu").rfind("ACCEPTED: gpu, ", 0), 0u) << Headline(j.outcome, "gpu");
  }
}

TEST(Coverage, TheQuickSuiteOnAHealthyGpuIsAPartialPassNamingWhatItLeftOut) {
  Judged j = Judge("h200-x1-quick.json", testing::AutoBaseline());
  EXPECT_EQ(j.outcome.outcome, RunOutcome::kPartial) << j.outcome.note << "\n" << Failures(j.verdicts);
  EXPECT_EQ(j.outcome.exit_code, 0);
  EXPECT_FALSE(j.outcome.accepted);
  EXPECT_GT(j.outcome.coverage.judged, 0);
  EXPECT_LT(j.outcome.coverage.judged, j.outcome.coverage.required);
  std::string headline = Headline(j.outcome, "quick");
  EXPECT_EQ(headline.rfind("PASSED: quick check, ", 0), 0u) << headline;
  EXPECT_NE(headline.find("not an acceptance"), std::string::npos) << headline;
  EXPECT_EQ(headline.find("ACCEPTED"), std::string::npos) << headline;
  // fp16 was not asked for: not judged, naming the step's parameter, never "not measured".
  const Verdict* fp16 = j.Find("gpu.stress.tflops{type=fp16}", Outcome::kSkipped);
  ASSERT_NE(fp16, nullptr);
  EXPECT_NE(fp16->reason.find("types=bf16,fp32"), std::string::npos) << fp16->reason;
  EXPECT_EQ(j.Find("gpu.stress.tflops{type=fp16}", Outcome::kFail), nullptr);
}

TEST(Coverage, ASeriesTheStepAskedForAndDidNotDeliverStillFails) {
  Judged j = Judge("h200-x1-quick.json", testing::AutoBaseline(), [](RunRecord& r) {
    std::erase_if(r.measurements, [](const Measurement& m) {
      return m.metric == "gpu.stress.tflops" && m.labels.at("type") == "bf16";
    });
  });
  EXPECT_EQ(j.outcome.exit_code, 1);
  const Verdict* bf16 = j.Find("gpu.stress.tflops{type=bf16}", Outcome::kFail);
  ASSERT_NE(bf16, nullptr) << Failures(j.verdicts);
  EXPECT_NE(bf16->reason.find("not measured"), std::string::npos) << bf16->reason;
}

TEST(Coverage, ASuiteWithoutTheBurnOrTheHbmStepIsNeverAccepted) {
  for (const char* probe : {"gpu_stress", "hbm_bandwidth", "pcie", "health"}) {
    Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [&](RunRecord& r) { DropProbe(r, probe); });
    EXPECT_FALSE(j.outcome.accepted) << probe;
    EXPECT_FALSE(j.outcome.coverage.Complete()) << probe;
  }
  Judged j = Judge("h200-x1-deep.json", testing::NamedBaseline("h200-sxm-141gb", "1gpu"),
                     [&](RunRecord& r) { DropProbe(r, "gpu_stress"); });
  EXPECT_EQ(j.outcome.outcome, RunOutcome::kPartial);
  bool named = false;
  for (const UnjudgedRule& r : j.outcome.coverage.not_judged) {
    named = named || (r.series == "gpu.stress.tflops{type=bf16}" &&
                      r.reason.find("the suite has no step of gpu_stress") != std::string::npos);
  }
  EXPECT_TRUE(named);
}

TEST(Coverage, EmptiedStepsDoNotHideAFailedMeasurement) {
  // A failing report whose steps were removed: every measurement present is judged all the same.
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) {
    testing::ScaleSamples(r, "gpu.stress.tflops", "bf16", 0.5);
    r.steps.clear();
  });
  EXPECT_EQ(j.outcome.exit_code, 1) << ToString(j.outcome.outcome);
  EXPECT_FALSE(j.outcome.accepted);
  EXPECT_NE(j.Find("gpu.stress.tflops{type=bf16}", Outcome::kFail), nullptr) << Failures(j.verdicts);
}

TEST(Coverage, AContendedMeasurementNeverWaivesARule) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) {
    testing::ScaleSamples(r, "gpu.stress.tflops", "bf16", 0.0);
    for (Measurement& m : r.measurements) m.unreliable = "hypervisor stole 40% of the CPU time";
  });
  EXPECT_EQ(j.outcome.exit_code, 1);
  EXPECT_FALSE(j.outcome.accepted);
  EXPECT_EQ(j.outcome.outcome, RunOutcome::kInconclusive);
  const Verdict* bf16 = j.Find("gpu.stress.tflops{type=bf16}", Outcome::kError);
  ASSERT_NE(bf16, nullptr) << Failures(j.verdicts);
  EXPECT_TRUE(bf16->inconclusive);
  EXPECT_NE(bf16->reason.find("inconclusive"), std::string::npos) << bf16->reason;
  EXPECT_NE(bf16->reason.find("hypervisor stole"), std::string::npos) << bf16->reason;
  EXPECT_EQ(bf16->subject.nodes.at(0), "vm");
}

TEST(Coverage, TheGpuModelIsCheckedAlsoUnderANamedBaseline) {
  Judged h100 = Judge("h200-x1-deep.json", testing::NamedBaseline("h100-sxm5-80gb", "1gpu"));
  EXPECT_FALSE(h100.outcome.accepted);
  const Verdict* model = h100.Find("node.gpu_model", Outcome::kFail);
  ASSERT_NE(model, nullptr) << Failures(h100.verdicts);
  EXPECT_NE(model->reason.find("NVIDIA H100"), std::string::npos) << model->reason;
  EXPECT_NE(model->reason.find("NVIDIA H200"), std::string::npos) << model->reason;

  Judged renamed = Judge("h200-x1-deep.json", testing::NamedBaseline("h200-sxm-141gb", "1gpu"), [](RunRecord& r) {
    for (NodeRecord& node : r.nodes) {
      for (auto& gpu : node.inventory["gpus"]["devices"]) gpu["name"] = "NVIDIA H300 200GB";
    }
  });
  EXPECT_FALSE(renamed.outcome.accepted);
  const Verdict* h300 = renamed.Find("node.gpu_model", Outcome::kFail);
  ASSERT_NE(h300, nullptr) << Failures(renamed.verdicts);
  EXPECT_NE(h300->reason.find("NVIDIA H300 200GB"), std::string::npos) << h300->reason;

  Judged host = Judge("h200-x1-deep.json", testing::NamedBaseline("cpu-host"));
  EXPECT_NE(host.Find("node.gpu_model", Outcome::kFail), nullptr) << "a GPU node judged as a CPU host";
}

TEST(Coverage, RenderersRecomputeTheSummaryAndTheSignatureClaim) {
  testing::TempDir dir;
  nlohmann::json report = LoadReport(testing::RealReportPath("h200-x1-deep.json"));
  // An edited report: the verdicts say fail, the summary and signature claim otherwise.
  for (auto& v : report["verdicts"]) {
    if (v["series"] == "gpu.stress.tflops{type=bf16}") v["outcome"] = "fail";
  }
  report["summary"]["outcome"] = "pass";
  report["summary"]["accepted"] = true;
  report["signature"] = {{"signed", true}, {"key_id", "DEADBEEFDEADBEEF"}, {"file", "report.json.minisig"}};
  const std::string path = (dir.path() / "report.json").string();
  nlohmann::json shown = AsStored(report, path);
  for (const char* format : {"text", "md", "html"}) {
    std::string text = Render(shown, format);
    EXPECT_EQ(text.find("DEADBEEF"), std::string::npos) << format;
    EXPECT_NE(text.find("NOT ACCEPTED"), std::string::npos) << format;
  }
  EXPECT_NE(Render(shown, "junit").find(R"(name="kiln.accepted" value="false")"), std::string::npos);
  EXPECT_NE(Render(shown, "prom").find("kiln_run_accepted{"), std::string::npos);
  EXPECT_EQ(shown["summary"]["accepted"], false);
  EXPECT_EQ(shown["signature"]["signed"], false);
}

}  // namespace
}  // namespace kiln
